package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func fill(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// TestWriteRefusesNonRegular: a FIFO, a directory, a device and a link to one are
// refused and left as they are.
func TestWriteRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link-to-fifo")
	if err := os.Symlink("fifo", link); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink("loop", loop); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		mode os.FileMode
	}{{fifo, os.ModeNamedPipe}, {sub, os.ModeDir}, {"/dev/null", os.ModeCharDevice}, {link, os.ModeSymlink}} {
		_, err := Write(tc.path, Options{Perm: 0o600}, fill("x"))
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: err %v, want ErrNotRegular", tc.path, err)
		}
		fi, err := os.Lstat(tc.path)
		if err != nil || fi.Mode()&tc.mode == 0 {
			t.Errorf("%s: replaced (%v, %v)", tc.path, fi.Mode(), err)
		}
	}
	if _, err := Write(loop, Options{Perm: 0o600}, fill("x")); err == nil {
		t.Error("a symlink loop was written")
	}
}

// TestWriteThroughSymlink: the link stays, the target gets the content with its mode kept.
func TestWriteThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "real"), 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "real", "s.ldif")
	if err := os.WriteFile(target, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "s.ldif")
	if err := os.Symlink("real/s.ldif", link); err != nil {
		t.Fatal(err)
	}
	got, err := Write(link, Options{Perm: 0o600, KeepMode: true}, fill("new"))
	if err != nil {
		t.Fatal(err)
	}
	if got != target {
		t.Errorf("wrote %s, want %s", got, target)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
	}
	fi, err := os.Stat(target)
	if err != nil || fi.Mode().Perm() != 0o640 {
		t.Fatalf("target mode %v (%v), want 0640", fi.Mode().Perm(), err)
	}
	if b, _ := os.ReadFile(link); string(b) != "new" {
		t.Fatalf("content %q", b)
	}
	// Without KeepMode the new file gets Perm; a dangling link creates its target.
	if _, err := Write(link, Options{Perm: 0o600}, fill("newer")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	dangling := filepath.Join(dir, "d.ldif")
	if err := os.Symlink("real/new.ldif", dangling); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dangling, Options{Perm: 0o600}, fill("n")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "real", "new.ldif")); string(b) != "n" {
		t.Errorf("dangling link target holds %q", b)
	}
}

// TestWriteFailureChangesNothing: a failing fill leaves the old content and no temp file.
func TestWriteFailureChangesNothing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if _, err := Write(p, Options{Perm: 0o600}, func(w io.Writer) error { io.WriteString(w, "half"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("content %q", b)
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("left %d files", len(es))
	}
}
