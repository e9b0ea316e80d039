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
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/factory"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/interrupt"
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
	signalled, err := execute(ctx, cmd)
	if signalled && err != nil {
		// Whatever the command failed with after Ctrl-C or SIGTERM, it was cancelled.
		err = &cancelled{err}
	}
	if f.Debug != nil {
		fmt.Fprintf(f.Debug, "debug: %d directory operation(s) in %s\n", f.Ops(), time.Since(start).Round(time.Millisecond))
	}
	return handleError(f, cmd, err)
}

// signalGrace is how long a command has, after Ctrl-C or SIGTERM, to notice the cancelled
// context and end by itself (rolling back what it applied) before Main stops waiting for
// it. Within a second in all: the grace, plus what a held section needs to finish.
const signalGrace = 500 * time.Millisecond

// execute runs the command; after a signal it waits signalGrace for the command to end,
// then for any held section (interrupt.Hold: a plan being applied or rolled back) to
// finish, then returns without the command: the process exits and leaves it behind.
func execute(ctx context.Context, cmd *cobra.Command) (signalled bool, err error) {
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	select {
	case err := <-done:
		return ctx.Err() != nil, err
	case <-ctx.Done():
	}
	select {
	case err := <-done:
		return true, err
	case <-time.After(signalGrace):
	}
	wait := time.Duration(0)
	if interrupt.Stop() {
		// A change was being applied: the command reports its rollback in a moment.
		wait = 5 * time.Second
	}
	select {
	case err := <-done:
		return true, err
	case <-time.After(wait):
		return true, cmdutil.ErrCanceled
	}
}

// cancelled marks an error that ended a command after a signal: exit 3, same message.
type cancelled struct{ err error }

func (c *cancelled) Error() string   { return c.err.Error() }
func (c *cancelled) Unwrap() []error { return []error{c.err, cmdutil.ErrCanceled} }

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

// maxErrorLine bounds the error line: errors quote what the user gave cut to a short
// prefix (clip.Quote), and this catches any that quote a huge flag value whole.
const maxErrorLine = 1024

// oneLine keeps an error to one line on stderr, at most about maxErrorLine bytes: the
// start and the end are kept, since errors end with the way out ("re-run to converge").
func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
	if len(s) > maxErrorLine {
		head, tail := maxErrorLine*3/4, len(s)-maxErrorLine/4
		for head > 0 && !utf8.RuneStart(s[head]) {
			head--
		}
		for tail < len(s) && !utf8.RuneStart(s[tail]) {
			tail++
		}
		s = fmt.Sprintf("%s… (error cut, %d bytes) …%s", s[:head], len(s), s[tail:])
	}
	return s
}
