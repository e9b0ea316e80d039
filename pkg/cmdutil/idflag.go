package cmdutil

import (
	"strconv"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/idrange"
)

// idValue is a pflag.Value for a UID/GID: decimal only (idrange.ParseID). pflag's IntVar
// parses with base 0, so it would read "0x111e2" as hex and "0210542" as octal.
type idValue struct{ p *int }

func (v idValue) String() string {
	if v.p == nil || *v.p == 0 {
		return "0"
	}
	return strconv.Itoa(*v.p)
}

func (v idValue) Set(s string) error {
	n, err := idrange.ParseID(s)
	if err != nil {
		return err
	}
	*v.p = n
	return nil
}

func (v idValue) Type() string { return "int" }

// AddIDFlag adds a decimal UID/GID flag; a bad value is a flag error (exit 2).
func AddIDFlag(cmd *cobra.Command, p *int, name, usage string) {
	cmd.Flags().Var(idValue{p}, name, usage)
}
