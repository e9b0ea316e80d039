// Package sidefile writes the files a directory change depends on (offboarding records,
// new service passwords) so that they are on disk before the change: created exclusively
// with mode 0600, written, and synced together with their directory.
package sidefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// CreateError is a file that could not be created at Path: it exists, its directory is
// missing or not writable, or the path is not a place for files (/proc, a device...).
// It is a problem with the path the operator gave.
type CreateError struct {
	Path string
	// InDir: Path is the directory a new file could not be created in.
	InDir bool
	Err   error
}

func (e *CreateError) Error() string {
	what := e.Path
	if e.InDir {
		what = "a file in " + e.Path
	}
	var pe *fs.PathError
	if errors.As(e.Err, &pe) {
		return fmt.Sprintf("cannot create %s: %v", what, pe.Err)
	}
	return fmt.Sprintf("cannot create %s: %v", what, e.Err)
}
func (e *CreateError) Unwrap() error { return e.Err }

// Create makes a new file at path (never replacing anything: O_EXCL, no symlink
// followed), mode 0600, writes data, and syncs the file and its directory, so the content
// survives a crash right after Create returns. On a write or sync failure the file is
// removed again.
func Create(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return &CreateError{Path: path, Err: err}
	}
	fail := func(err error) error {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := SyncDir(filepath.Dir(path)); err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// SyncDir syncs a directory so that a new name in it is durable. File systems that
// cannot sync a directory (EINVAL) are accepted: there is nothing more to do there.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
