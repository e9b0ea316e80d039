// Package iostreams decides, once, how accessctl talks to the terminal: which streams are
// terminals, whether colour is on, whether prompting is allowed, and where progress goes.
package iostreams

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
)

// IOStreams carries the process's streams and what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	colorEnabled                   bool
	promptDisabled                 bool
	width                          int // columns of the stdout terminal; 0: not known
}

// System returns streams bound to the process's stdin/stdout/stderr.
func System() *IOStreams {
	s := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		stdinTTY:  term.IsTerminal(os.Stdin.Fd()),
		stdoutTTY: term.IsTerminal(os.Stdout.Fd()),
		stderrTTY: term.IsTerminal(os.Stderr.Fd()),
	}
	s.colorEnabled = colorFromEnv(s.stdoutTTY)
	if s.stdoutTTY {
		if w, _, err := term.GetSize(os.Stdout.Fd()); err == nil {
			s.width = w
		}
	}
	s.promptDisabled = os.Getenv("ACCESSCTL_PROMPT_DISABLED") != ""
	return s
}

// colorFromEnv: on iff CLICOLOR_FORCE, or NO_COLOR unset, CLICOLOR != 0 and stdout a TTY.
// NO_COLOR counts when it has any non-empty value (the convention), which colorprofile
// alone does not honour.
func colorFromEnv(stdoutTTY bool) bool {
	if v := os.Getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		return true
	}
	if os.Getenv("NO_COLOR") != "" || os.Getenv("CLICOLOR") == "0" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return stdoutTTY
}

// Test returns streams over buffers: no TTYs, no colour.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// TerminalWidth is the width human output must fit on a terminal: the stdout
// terminal's columns, else $COLUMNS, else 80.
func (s *IOStreams) TerminalWidth() int {
	if s.width > 0 {
		return s.width
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}

// SetTerminalWidth sets the width (tests).
func (s *IOStreams) SetTerminalWidth(n int) { s.width = n }
func (s *IOStreams) IsStderrTTY() bool      { return s.stderrTTY }
func (s *IOStreams) IsStdinTTY() bool       { return s.stdinTTY }
func (s *IOStreams) SetStdoutTTY(v bool)    { s.stdoutTTY = v }
func (s *IOStreams) SetStdinTTY(v bool)     { s.stdinTTY = v }
func (s *IOStreams) SetStderrTTY(v bool)    { s.stderrTTY = v }
func (s *IOStreams) ColorEnabled() bool     { return s.colorEnabled }
func (s *IOStreams) SetColorEnabled(v bool) { s.colorEnabled = v }

// CanPrompt reports whether accessctl may ask the operator a question.
func (s *IOStreams) CanPrompt() bool {
	return s.stdinTTY && s.stdoutTTY && !s.promptDisabled
}

// SetPromptDisabled forbids prompting (ACCESSCTL_PROMPT_DISABLED).
func (s *IOStreams) SetPromptDisabled(v bool) { s.promptDisabled = v }

// StyledOut returns a writer for styled text on stdout: lipgloss emits full ANSI and this
// writer downsamples it to what the terminal (and the colour decision) allows.
func (s *IOStreams) StyledOut() io.Writer { return s.styled(s.Out) }

// StyledErr is StyledOut for stderr.
func (s *IOStreams) StyledErr() io.Writer { return s.styled(s.ErrOut) }

func (s *IOStreams) styled(w io.Writer) io.Writer {
	pw := colorprofile.NewWriter(w, os.Environ())
	if !s.colorEnabled {
		pw.Profile = colorprofile.NoTTY
	} else if pw.Profile < colorprofile.ANSI {
		pw.Profile = colorprofile.ANSI
	}
	return pw
}

// Progress draws a spinner with a label on stderr while work runs; only when both stdout
// and stderr are terminals. Stop it with the returned func.
func (s *IOStreams) Progress(label string) (stop func()) {
	return s.ProgressFunc(func() string { return label })
}

// ProgressFunc is Progress with a label computed at each frame (e.g. a count of
// entries read so far); label must be safe to call from another goroutine.
func (s *IOStreams) ProgressFunc(label func() string) (stop func()) {
	if !s.stdoutTTY || !s.stderrTTY {
		return func() {}
	}
	done, exited := make(chan struct{}), make(chan struct{})
	var once sync.Once
	go func() {
		defer close(exited)
		frames := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		// Only draw after a short delay so fast operations stay quiet.
		select {
		case <-done:
			return
		case <-time.After(300 * time.Millisecond):
		}
		for i := 0; ; i++ {
			fmt.Fprintf(s.ErrOut, "\r\033[K%s %s", frames[i%len(frames)], label())
			select {
			case <-done:
				fmt.Fprintf(s.ErrOut, "\r\033[K")
				return
			case <-t.C:
			}
		}
	}()
	// stop returns once the line is cleared, so that what follows is not drawn over.
	return func() { once.Do(func() { close(done); <-exited }) }
}
