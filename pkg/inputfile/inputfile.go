// Package inputfile opens the files a user names (flags, environment, configuration):
// regular files only, opened without blocking, read with a size cap fit for each kind of
// input. A FIFO, a device or a directory is refused with a clear error instead of hanging
// the command or filling memory, and a file over its cap is refused before it is read.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Kind is a sort of input: its name in messages and the most bytes it may hold.
type Kind struct {
	Name string
	Max  int64
}

const (
	kiB = 1 << 10
	miB = 1 << 20
)

// The kinds of input accessctl reads. Small files (settings, records, secrets) have small
// caps; LDIF (a sandbox, an `audit --from` snapshot) is large but bounded: the caps sit
// well above a 90,000-user site's snapshot (about 104 MB, see docs/benchmarks.md).
var (
	Config      = Kind{"config file", 1 * miB}
	Conventions = Kind{"conventions file", 1 * miB}
	Record      = Kind{"offboarding record", 16 * miB}
	List        = Kind{"list file", 16 * miB}
	SSHKeys     = Kind{"SSH key file", 1 * miB}
	Password    = Kind{"password file", 64 * kiB}
	Keytab      = Kind{"keytab", 1 * miB}
	CA          = Kind{"CA file", 1 * miB}
	Kerberos    = Kind{"Kerberos file", 16 * miB}
	IPAConf     = Kind{"IPA configuration", 1 * miB}
	Sandbox     = Kind{"sandbox", 512 * miB}
	LDIF        = Kind{"snapshot", 512 * miB}
)

// Error is an input file that was refused or could not be read. It unwraps to the
// underlying error, so errors.Is(err, fs.ErrNotExist) still works.
type Error struct {
	Kind Kind
	Path string
	Msg  string
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("%s %s: %s", e.Kind.Name, e.Path, e.Msg) }
func (e *Error) Unwrap() error { return e.Err }

// ErrTooLarge is the cause of an Error for a file over its kind's cap.
var ErrTooLarge = errors.New("file too large")

// ErrNotRegular is the cause of an Error for a FIFO, device, socket or directory.
var ErrNotRegular = errors.New("not a regular file")

// File is an open input file whose reads stop with an error past the kind's cap.
type File struct {
	f    *os.File
	info fs.FileInfo
	kind Kind
	path string
	left int64
}

// Open opens path for reading: it must be a regular file (after following symlinks) no
// larger than k.Max. The open itself never blocks (O_NONBLOCK), even if the path is
// swapped for a FIFO between the check and the open.
func Open(path string, k Kind) (*File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, pathError(path, k, err)
	}
	if err := check(path, k, fi); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|nonblock, 0)
	if err != nil {
		return nil, pathError(path, k, err)
	}
	if fi, err = f.Stat(); err != nil {
		f.Close()
		return nil, pathError(path, k, err)
	}
	if err := check(path, k, fi); err != nil {
		f.Close()
		return nil, err
	}
	return &File{f: f, info: fi, kind: k, path: path, left: k.Max}, nil
}

// ReadFile reads the whole of a regular file of kind k.
func ReadFile(path string, k Kind) ([]byte, error) {
	f, err := Open(path, k)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// Read implements io.Reader; past the cap (a file that grew after it was opened, or a
// /proc file that reports no size) it fails with an *Error wrapping ErrTooLarge.
func (f *File) Read(p []byte) (int, error) {
	if f.left <= 0 {
		// One more byte tells "exactly at the cap" from "over it".
		var b [1]byte
		if n, _ := f.f.Read(b[:]); n > 0 {
			return 0, tooLarge(f.path, f.kind)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > f.left {
		p = p[:f.left]
	}
	n, err := f.f.Read(p)
	f.left -= int64(n)
	if err != nil && err != io.EOF {
		err = pathError(f.path, f.kind, err)
	}
	return n, err
}

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// Info is the file's information at open time.
func (f *File) Info() fs.FileInfo { return f.info }

func check(path string, k Kind, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return &Error{Kind: k, Path: path, Msg: "not a regular file (" + Describe(fi.Mode()) + "); give a regular file", Err: ErrNotRegular}
	}
	if fi.Size() > k.Max {
		return tooLarge(path, k)
	}
	return nil
}

func tooLarge(path string, k Kind) error {
	return &Error{Kind: k, Path: path, Msg: "exceeds the size limit of " + Size(k.Max), Err: ErrTooLarge}
}

// pathError keeps the cause but not the path twice ("open x: no such file" → "no such file").
func pathError(path string, k Kind, err error) error {
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg = pe.Err.Error()
	}
	return &Error{Kind: k, Path: path, Msg: msg, Err: err}
}

// Describe names a file type for an error ("a directory", "a named pipe", ...): the one
// wording for reading (here) and writing (pkg/atomicfile).
func Describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "type " + m.Type().String()
}

// Size formats a byte count the way the caps are documented: 64 KiB, 1 MiB, 512 MiB.
func Size(n int64) string {
	switch {
	case n >= miB && n%miB == 0:
		return fmt.Sprintf("%d MiB", n/miB)
	case n >= kiB && n%kiB == 0:
		return fmt.Sprintf("%d KiB", n/kiB)
	}
	return fmt.Sprintf("%d bytes", n)
}
