package cmdutil

import (
	"context"
	"io"

	"github.com/accessctl/accessctl/pkg/config"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/iostreams"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Factory builds what commands need, lazily: a command that only prints help opens no
// connection and reads no file.
type Factory struct {
	Version string
	IO      *iostreams.IOStreams

	Config      func() (*config.Config, error)
	Conventions func() (*siteconv.Conventions, error)
	// Directory opens (once) the configured directory: a sandbox file or an LDAP server.
	Directory func(ctx context.Context) (directory.Client, error)
	// Prompter asks the operator; nil when not on a terminal.
	Prompter Prompter
	// Debug receives --debug traces (servers, binds, filters, counts, timings); never secrets.
	Debug io.Writer
	// Ops reports the number of directory operations made so far (0 before any).
	Ops func() int64
}

// Prompter asks yes/no questions on a terminal.
type Prompter interface {
	// Confirm returns ErrCanceled when ctx is cancelled (Ctrl-C) or input ends.
	Confirm(ctx context.Context, question string, def bool) (bool, error)
}
