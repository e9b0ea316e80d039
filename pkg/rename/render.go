package rename

import (
	"fmt"
	"io"
	"strconv"
	"text/template"

	"github.com/accessctl/accessctl/templates"
)

var tmpl = template.Must(template.ParseFS(templates.FS, "rename-runbook.md.tmpl", "replica-replace.md.tmpl"))

// StepView is a step as the template shows it.
type StepView struct {
	Step
	Done bool
	// DoneCommand records the step off a terminal.
	DoneCommand string
}

// Doc is the runbook template's data.
type Doc struct {
	Facts *Facts
	Steps []StepView
}

// NewDoc pairs the facts' steps with the state's progress (st may be nil).
func NewDoc(f *Facts, st *State) *Doc {
	d := &Doc{Facts: f}
	for _, s := range Steps(f) {
		v := StepView{Step: s, DoneCommand: DoneCommand(f.Old, f.New, s.N)}
		if st != nil {
			v.Done = st.IsDone(s.N)
		}
		d.Steps = append(d.Steps, v)
	}
	return d
}

// DoneCommand is the command that records operator step n.
func DoneCommand(old, new string, n int) string {
	return "accessctl host rename " + old + " " + new + " --step-done " + strconv.Itoa(n)
}

// Render writes the whole runbook as Markdown.
func Render(w io.Writer, d *Doc) error {
	if err := tmpl.ExecuteTemplate(w, "rename-runbook.md.tmpl", d); err != nil {
		return fmt.Errorf("render runbook: %w", err)
	}
	return nil
}

// RenderStep writes one step as Markdown.
func RenderStep(w io.Writer, s StepView) error {
	if err := tmpl.ExecuteTemplate(w, "step", s); err != nil {
		return fmt.Errorf("render step %d: %w", s.N, err)
	}
	return nil
}

// ServerDoc is the replica-replacement template's data.
type ServerDoc struct{ Old, New, Why string }

// RenderServer writes ITTN-010 §3.7's replace-the-replica procedure.
func RenderServer(w io.Writer, d ServerDoc) error {
	if err := tmpl.ExecuteTemplate(w, "replica-replace.md.tmpl", d); err != nil {
		return fmt.Errorf("render replica procedure: %w", err)
	}
	return nil
}
