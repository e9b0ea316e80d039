// Package accessctl wires the command tree to the process: streams, signals, exit codes.
// The binary's main and the testscript tests both call Main.
package accessctl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/factory"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/iostreams"
)

// Build information, set with -ldflags by the release build.
var (
	Version = "dev"
	Commit  = "none"
	Date    = "unknown"
)

// Main runs accessctl and returns the process exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	io := iostreams.System()
	flags := &factory.Flags{Set: map[string]string{}}
	f := factory.New(versionString(), io, flags)
	cmd := NewRootCmd(f, flags)
	if path := os.Getenv("ACCESSCTL_CPUPROFILE"); path != "" {
		// For the benchmarks (docs/benchmarks.md): where the client's time goes.
		if stopProfile, err := startCPUProfile(path); err != nil {
			fmt.Fprintln(io.ErrOut, "accessctl: cpu profile:", err)
		} else {
			defer stopProfile()
		}
	}
	start := time.Now()
	err := cmd.ExecuteContext(ctx)
	if f.Debug != nil {
		fmt.Fprintf(f.Debug, "debug: %d directory operation(s) in %s\n", f.Ops(), time.Since(start).Round(time.Millisecond))
	}
	return handleError(f, cmd, err)
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func versionString() string {
	if Commit == "none" {
		return Version
	}
	return fmt.Sprintf("%s (%s, %s)", Version, Commit, Date)
}

func handleError(f *cmdutil.Factory, cmd *cobra.Command, err error) int {
	if err == nil {
		return cmdutil.ExitOK
	}
	var (
		se *cmdutil.SilentError
		fe *cmdutil.FlagError
	)
	if errors.As(err, &se) {
		return se.Code
	}
	// One line on stderr, whatever the error.
	line := "accessctl: " + oneLine(err.Error())
	code := cmdutil.ExitCode(err)
	switch {
	case errors.As(err, &fe) && fe.ShowUsage && cmd != nil:
		line += fmt.Sprintf(" (see '%s --help')", commandPath(cmd))
	case code == cmdutil.ExitError && f.Debug == nil:
		line += " (run with --debug for details)"
	}
	fmt.Fprintln(f.IO.ErrOut, line)
	return code
}

// commandPath names the command that ran, for the usage hint.
func commandPath(root *cobra.Command) string {
	if c, _, err := root.Find(os.Args[1:]); err == nil && c != nil {
		return c.CommandPath()
	}
	return root.CommandPath()
}

// oneLine keeps an error to one line on stderr.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
