// Package atomicfile replaces a file's content all at once (a temporary file beside it,
// synced, then renamed over it), the way accessctl writes its sandbox and snapshots:
// a crash leaves the old content or the new, never a mix. It writes through symbolic
// links to their target, and it never replaces what is not a regular file (a device, a
// FIFO, a socket, a directory): writing there is a mistake to report, not to "fix".
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/accessctl/accessctl/pkg/inputfile"
)

// ErrNotRegular is wrapped by the errors for targets that are not regular files.
var ErrNotRegular = errors.New("not a regular file")

// maxLinks bounds the symbolic links followed (Linux's own limit is 40).
const maxLinks = 40

// Resolve follows symbolic links from path to the file they end at (which need not
// exist yet) and reports whether it exists and its mode. A target that exists and is
// not a regular file is an error wrapping ErrNotRegular.
func Resolve(path string) (target string, mode os.FileMode, exists bool, err error) {
	target = path
	for i := 0; ; i++ {
		fi, err := os.Lstat(target)
		if errors.Is(err, os.ErrNotExist) {
			return target, 0, false, nil
		}
		if err != nil {
			return "", 0, false, err
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			if !fi.Mode().IsRegular() {
				return "", 0, false, fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, inputfile.Describe(fi.Mode()))
			}
			return target, fi.Mode().Perm(), true, nil
		}
		if i == maxLinks {
			return "", 0, false, fmt.Errorf("%s: too many levels of symbolic links", path)
		}
		link, err := os.Readlink(target)
		if err != nil {
			return "", 0, false, err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(target), link)
		}
		target = link
	}
}

// Options tune Write.
type Options struct {
	// Perm is the mode of a new file, and of a replaced one unless KeepMode.
	Perm os.FileMode
	// KeepMode gives a replaced file its old permission bits.
	KeepMode bool
}

// Write replaces path (through symbolic links) with what fill writes, atomically. It
// returns the path written (the link's target). Nothing is changed when fill fails.
func Write(path string, o Options, fill func(io.Writer) error) (string, error) {
	target, mode, exists, err := Resolve(path)
	if err != nil {
		return "", err
	}
	perm := o.Perm
	if exists && o.KeepMode {
		perm = mode
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return "", err
	}
	if err := fill(tmp); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	// The target may have been swapped for something else since Resolve: check again
	// as close to the rename as a path-based API allows.
	if _, _, _, err := Resolve(target); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return "", err
	}
	return target, nil
}
