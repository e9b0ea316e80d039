// Package prompt asks the operator yes/no questions on the terminal.
package prompt

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// Terminal asks on Out and reads answers from In.
type Terminal struct {
	In  io.Reader
	Out io.Writer
	r   *bufio.Reader
}

// Confirm asks a yes/no question; an empty answer takes def. Ctrl-C (ctx cancelled) and
// end of input cancel: the read runs aside so the signal is not held up by it.
func (t *Terminal) Confirm(ctx context.Context, question string, def bool) (bool, error) {
	if t.r == nil {
		t.r = bufio.NewReader(t.In)
	}
	hint := "[y/N]"
	if def {
		hint = "[Y/n]"
	}
	fmt.Fprintf(t.Out, "? %s %s ", question, hint)
	type answer struct {
		line string
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		line, err := t.r.ReadString('\n')
		ch <- answer{line, err}
	}()
	var a answer
	select {
	case <-ctx.Done():
		fmt.Fprintln(t.Out)
		return false, cmdutil.ErrCanceled
	case a = <-ch:
	}
	if a.err != nil && a.line == "" {
		if a.err == io.EOF {
			return false, cmdutil.ErrCanceled
		}
		return false, fmt.Errorf("read answer: %w", a.err)
	}
	switch strings.ToLower(strings.TrimSpace(a.line)) {
	case "":
		return def, nil
	case "y", "yes":
		return true, nil
	default:
		return false, nil
	}
}
