package cmdtest

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/factory"
	"github.com/accessctl/accessctl/pkg/cmd/root"
	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// ExecVerb runs one verb's command under the real root command, as `accessctl VERB
// ARGS...`, so that unknown flags and argument errors become usage errors (exit 2) the
// way they do in the binary. Output goes nowhere: a flag test looks at the Options its
// runF received.
func ExecVerb(f *cmdutil.Factory, verb *cobra.Command, args ...string) error {
	cmd := root.NewCmdRoot(f, &factory.Flags{Set: map[string]string{}}, verb)
	cmd.SetArgs(append([]string{verb.Name()}, args...))
	cmd.SetOut(&strings.Builder{})
	cmd.SetErr(&strings.Builder{})
	return cmd.ExecuteContext(context.Background())
}
