// Package output prints read results: a lipgloss table on a terminal, aligned plain text
// when piped, JSON or YAML for scripts. Data goes to stdout only.
package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"charm.land/lipgloss/v2"
	"charm.land/lipgloss/v2/table"
	"go.yaml.in/yaml/v3"

	"github.com/accessctl/accessctl/pkg/iostreams"
)

// Table is a simple table of strings.
type Table struct {
	Headers []string
	Rows    [][]string
}

// AddRow appends a row.
func (t *Table) AddRow(cells ...string) { t.Rows = append(t.Rows, cells) }

// Print writes v as JSON or YAML, or calls text for the human form.
func Print(ios *iostreams.IOStreams, format string, v any, text func(w io.Writer) error) error {
	switch format {
	case "json":
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "yaml":
		enc := yaml.NewEncoder(ios.Out)
		enc.SetIndent(2)
		defer enc.Close()
		return enc.Encode(v)
	}
	return text(ios.StyledOut())
}

var headerStyle = lipgloss.NewStyle().Bold(true).Padding(0, 1)
var cellStyle = lipgloss.NewStyle().Padding(0, 1)

// Render writes the table: bordered on a terminal, tab-aligned plain text otherwise.
func (t *Table) Render(ios *iostreams.IOStreams, w io.Writer) error {
	if !ios.IsStdoutTTY() {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.ToUpper(strings.Join(t.Headers, "\t")))
		for _, r := range t.Rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		return tw.Flush()
	}
	tb := table.New().Border(lipgloss.RoundedBorder()).Headers(t.Headers...).Rows(t.Rows...).
		StyleFunc(func(row, col int) lipgloss.Style {
			if row == table.HeaderRow {
				return headerStyle
			}
			return cellStyle
		})
	out := tb.Render()
	if width := ios.TerminalWidth(); lipgloss.Width(out) > width {
		// Too wide for the terminal: narrow the widest columns and wrap their cells
		// rather than let the terminal wrap the rows into unreadable boxes.
		out = tb.Width(width).Wrap(true).Render()
	}
	_, err := fmt.Fprintln(w, out)
	return err
}

// Wrap returns s wrapped to width columns behind prefix (on every line), for text
// meant for a terminal: lines break at spaces, and words longer than a line are cut.
// width <= 0 keeps s on one line, for piped output.
func Wrap(s, prefix string, width int) string {
	if width <= 0 {
		return prefix + s + "\n"
	}
	var b strings.Builder
	for _, line := range strings.Split(lipgloss.Wrap(s, max(width-lipgloss.Width(prefix), 20), ""), "\n") {
		b.WriteString(prefix + strings.TrimRight(line, " ") + "\n")
	}
	return b.String()
}

// LineWidth is the width human text should be wrapped to: the terminal's, or 0
// (no wrapping) when stdout is not a terminal.
func LineWidth(ios *iostreams.IOStreams) int {
	if !ios.IsStdoutTTY() {
		return 0
	}
	return ios.TerminalWidth()
}
