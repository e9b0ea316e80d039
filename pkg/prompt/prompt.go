// Package prompt asks the operator yes/no questions on the terminal.
package prompt

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Terminal asks on out and reads answers from in.
type Terminal struct {
	In  io.Reader
	Out io.Writer
	r   *bufio.Reader
}

// Confirm asks a yes/no question; an empty answer takes def.
func (t *Terminal) Confirm(question string, def bool) (bool, error) {
	if t.r == nil {
		t.r = bufio.NewReader(t.In)
	}
	hint := "[y/N]"
	if def {
		hint = "[Y/n]"
	}
	fmt.Fprintf(t.Out, "? %s %s ", question, hint)
	line, err := t.r.ReadString('\n')
	if err != nil && line == "" {
		return false, fmt.Errorf("read answer: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "":
		return def, nil
	case "y", "yes":
		return true, nil
	default:
		return false, nil
	}
}
