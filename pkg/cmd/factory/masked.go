package factory

import (
	"fmt"
	"os"

	"github.com/charmbracelet/x/term"

	"github.com/accessctl/accessctl/pkg/cmdutil"
)

func readMasked(f *cmdutil.Factory) (string, error) {
	fmt.Fprint(f.IO.ErrOut, "Bind password: ")
	b, err := term.ReadPassword(os.Stdin.Fd())
	fmt.Fprintln(f.IO.ErrOut)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(b), nil
}
