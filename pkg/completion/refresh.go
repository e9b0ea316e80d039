package completion

import (
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
)

// RefreshCommand is the hidden command a stale TAB starts in the background.
const RefreshCommand = "__refresh-completion-cache"

// NewCmdRefreshCache is the hidden `accessctl __refresh-completion-cache`: it reads every
// kind of name from the configured directory and rewrites the completion cache. It never
// prompts, prints nothing and always exits 0: nobody is watching it.
func NewCmdRefreshCache(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:    RefreshCommand,
		Short:  "Refresh the shell completion cache (started by completion itself)",
		Hidden: true,
		Args:   cobra.NoArgs,
		// Keep the generated docs free of it.
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			s := quiet(f, cmd)
			_ = s.refreshAll(cmd.Context())
			return nil
		},
	}
}

// refreshLockAge: a refresh started less than this long ago is still running (or died);
// do not start another.
const refreshLockAge = time.Minute

// spawnRefresh starts a detached refresh child unless one is already running, and
// returns at once.
func (s *session) spawnRefresh(t target, base string) {
	if !t.reachable || os.Getenv("ACCESSCTL_COMPLETION_NO_REFRESH") != "" {
		return
	}
	lock := base + ".refresh"
	if fi, err := os.Stat(lock); err == nil && time.Since(fi.ModTime()) < refreshLockAge {
		return
	}
	_ = os.MkdirAll(filepath.Dir(base), 0o700)
	_ = os.Remove(lock)
	lf, err := os.OpenFile(lock, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return // another TAB won the race
	}
	lf.Close()
	exe := self()
	if exe == "" {
		os.Remove(lock)
		return
	}
	args := append(append([]string{}, s.globals...), RefreshCommand)
	c := exec.Command(exe, args...)
	c.Env = append(os.Environ(), "ACCESSCTL_PROMPT_DISABLED=1")
	c.Stdin, c.Stdout, c.Stderr = nil, nil, nil // /dev/null
	detach(c)
	if err := c.Start(); err != nil {
		os.Remove(lock)
		return
	}
	_ = c.Process.Release()
}

// self finds this program: argv[0] as invoked (so a test harness that maps a command
// name to its binary keeps working), else the running executable.
func self() string {
	if p, err := exec.LookPath(os.Args[0]); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
		return p
	}
	if p, err := os.Executable(); err == nil {
		return p
	}
	return ""
}
