package factory

import (
	"fmt"
	"os"

	"github.com/charmbracelet/x/term"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/interrupt"
)

func readMasked(f *cmdutil.Factory) (string, error) {
	fmt.Fprint(f.IO.ErrOut, "Bind password: ")
	// Ctrl-C leaves ReadPassword blocked and Main ends the process without it: give the
	// terminal its echo back then.
	if state, err := term.GetState(os.Stdin.Fd()); err == nil {
		defer interrupt.AtStop(func() { _ = term.Restore(os.Stdin.Fd(), state); fmt.Fprintln(f.IO.ErrOut) })()
	}
	b, err := term.ReadPassword(os.Stdin.Fd())
	fmt.Fprintln(f.IO.ErrOut)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(b), nil
}
