package inputfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOpenRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "conv.yaml")
	if err := os.WriteFile(regular, []byte("name: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sparse := filepath.Join(dir, "sparse")
	if err := os.WriteFile(sparse, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(sparse, 1<<30); err != nil {
		t.Fatal(err)
	}
	linkToFIFO := filepath.Join(dir, "link-fifo")
	linkToRegular := filepath.Join(dir, "link-regular")
	if err := os.Symlink(fifo, linkToFIFO); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(regular, linkToRegular); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		kind       Kind
		want       string // "" = read succeeds
		is         error
	}{
		{"regular", regular, Conventions, "", nil},
		{"symlink to a regular file", linkToRegular, Conventions, "", nil},
		{"directory", dir, Conventions, "not a regular file (a directory)", ErrNotRegular},
		{"fifo", fifo, Sandbox, "not a regular file (a named pipe)", ErrNotRegular},
		{"symlink to a fifo", linkToFIFO, Config, "not a regular file (a named pipe)", ErrNotRegular},
		{"/dev/zero", "/dev/zero", LDIF, "not a regular file (a character device)", ErrNotRegular},
		{"sparse 1 GiB sandbox", sparse, Sandbox, "exceeds the size limit of 512 MiB", ErrTooLarge},
		{"sparse 1 GiB password", sparse, Password, "exceeds the size limit of 64 KiB", ErrTooLarge},
		{"missing", filepath.Join(dir, "nope"), Config, "no such file or directory", fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var (
				data []byte
				err  error
			)
			go func() { data, err = ReadFile(tt.path, tt.kind); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("ReadFile blocked")
			}
			if tt.want == "" {
				if err != nil || string(data) != "name: x\n" {
					t.Fatalf("ReadFile = %q, %v", data, err)
				}
				return
			}
			var ie *Error
			if !errors.As(err, &ie) || !errors.Is(err, tt.is) {
				t.Fatalf("err = %v (%T), want an *Error wrapping %v", err, err, tt.is)
			}
			want := tt.kind.Name + " " + tt.path + ": " + tt.want
			if !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("err = %q, want prefix %q", err, want)
			}
		})
	}
}

// A file that grows past its cap after the size check (or a /proc file that reports no
// size) stops at the cap with ErrTooLarge rather than being read whole.
func TestReadStopsAtTheCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "grows")
	if err := os.WriteFile(path, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	k := Kind{Name: "test file", Max: 10}
	f, err := Open(path, k)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.WriteFile(path, []byte(strings.Repeat("x", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(f)
	if !errors.Is(err, ErrTooLarge) || len(data) != 10 {
		t.Fatalf("ReadAll = %d bytes, %v; want 10 bytes and ErrTooLarge", len(data), err)
	}
	// Exactly at the cap is fine.
	if err := os.WriteFile(path, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadFile(path, k); err != nil || len(data) != 10 {
		t.Fatalf("ReadFile at the cap = %d bytes, %v", len(data), err)
	}
	if data, err := ReadFile("/proc/self/status", Kind{Name: "proc file", Max: 16}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("/proc/self/status with a 16-byte cap = %d bytes, %v", len(data), err)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{64 << 10: "64 KiB", 1 << 20: "1 MiB", 512 << 20: "512 MiB", 1000: "1000 bytes"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
