package accessctl_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// accessctlBinary returns a path that runs accessctl.Main: the test binary under the
// name testscript.Main dispatches on.
func accessctlBinary(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "accessctl")
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// Issue 16.6: Ctrl-C and SIGTERM end a command within a second with exit 3, also one
// that is blocked in a read the context cannot interrupt (the bind password from a pipe
// nobody writes to) — before, it waited for ever.
func TestSignalEndsABlockedCommandWithin1s(t *testing.T) {
	bin := accessctlBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			home := t.TempDir()
			cmd := exec.Command(bin, "--server", "ldaps://127.0.0.1:1", "--ca-file", "system",
				"--bind-dn", "uid=svc,cn=sysaccounts,cn=etc,dc=example,dc=test", "whoami")
			cmd.Env = []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home, "XDG_STATE_HOME=" + home,
				"ACCESSCTL_IPA_CONF=" + filepath.Join(home, "none"), "KRB5_CONFIG=" + filepath.Join(home, "none"), "PATH=" + os.Getenv("PATH")}
			stdin, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close() // held open: the password read blocks
			cmd.Stdin = stdin
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			stdin.Close()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				t.Fatalf("command ended before the signal: %v, stderr %q", err, stderr.String())
			case <-time.After(700 * time.Millisecond):
			}
			sent := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			var waitErr error
			select {
			case waitErr = <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("still running 10 s after %v", sig)
			}
			took := time.Since(sent)
			var ee *exec.ExitError
			if !errors.As(waitErr, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("exit = %v, want 3; stderr %q", waitErr, stderr.String())
			}
			if took > time.Second {
				t.Errorf("took %v after %v, want within 1 s", took, sig)
			}
			lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "accessctl: ") {
				t.Fatalf("stderr = %q, want one accessctl: line", stderr.String())
			}
		})
	}
}
