package cmdutil

import (
	"fmt"
	"io"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/output"
)

// maxObjects is how many objects a finding names on a terminal before "and N more"
// (-o json|yaml and piped output keep them all).
const maxObjects = 4

var (
	sevTitle = map[string]lipgloss.Style{
		finding.Error:   lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Red),
		finding.Warning: lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Yellow),
		finding.Info:    lipgloss.NewStyle().Bold(true),
	}
	idStyle  = lipgloss.NewStyle().Bold(true)
	fixStyle = lipgloss.NewStyle().Faint(true)
)

// PrintFindings prints a report of findings the same way for every checking command
// (audit, id check, role check): -o json|yaml as the report; on a terminal grouped by
// severity and wrapped to its width; piped, one line per finding. empty is printed
// when there are none.
func PrintFindings(f *Factory, format string, rep *finding.Report, empty string) error {
	return output.Print(f.IO, format, rep, func(w io.Writer) error {
		if len(rep.Findings) == 0 {
			_, err := fmt.Fprintln(w, empty)
			return err
		}
		if f.IO.IsStdoutTTY() {
			return grouped(w, rep, f.IO.TerminalWidth())
		}
		t := &output.Table{Headers: []string{"severity", "id", "objects", "message", "fix"}}
		for _, x := range rep.Findings {
			t.AddRow(x.Severity, x.ID, strings.Join(x.Objects, " "), x.Message, x.Fix)
		}
		return t.Render(f.IO, w)
	})
}

// grouped writes the findings for a terminal of width columns: grouped by severity,
// each finding's id and objects on one line and its message and fix wrapped on lines
// of their own, so no line is wider than the terminal.
func grouped(w io.Writer, rep *finding.Report, width int) error {
	width = max(width, 40)
	var b strings.Builder
	for _, sev := range finding.Severities {
		rows := rep.Of(sev)
		if len(rows) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(sevTitle[sev].Render(fmt.Sprintf("%s (%d)", strings.ToUpper(sev[:1])+sev[1:], len(rows))) + "\n")
		for _, x := range rows {
			head := idStyle.Render(x.ID)
			if len(x.Objects) > 0 {
				head += ": " + shortList(x.Objects)
			}
			b.WriteString(output.Wrap(head, "  ", width))
			b.WriteString(output.Wrap(x.Message, "    ", width))
			if x.Fix != "" {
				b.WriteString(output.Wrap(fixStyle.Render("fix: "+x.Fix), "    ", width))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// shortList names the first objects and counts the rest.
func shortList(objs []string) string {
	if len(objs) <= maxObjects {
		return strings.Join(objs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(objs[:maxObjects-1], ", "), len(objs)-maxObjects+1)
}
