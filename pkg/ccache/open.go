package ccache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/jcmturner/gokrb5/v8/credentials"

	"github.com/accessctl/accessctl/pkg/inputfile"
	"github.com/accessctl/accessctl/pkg/krb5conf"
)

// Cache is one credential cache (for a collection: its primary cache).
type Cache interface {
	// Name is the full name, as klist prints it ("KCM:0", "DIR::/run/.../tkt").
	Name() string
	// Principal is the cache's client; ErrNoCredentials when it has none.
	Principal() (Principal, error)
	Credentials() ([]Credential, error)
	// Store adds a credential, as krb5_cc_store_cred does.
	Store(*Credential) error
	Close() error
}

var (
	// ErrNoCredentials is wrapped when the cache does not exist or holds nothing.
	ErrNoCredentials = errors.New("no Kerberos ticket")
	// ErrUnsupported is wrapped for cache types accessctl cannot read.
	ErrUnsupported = errors.New("unsupported credential cache type")
)

// Open opens the cache called name (already expanded; see DefaultName). For a
// collection name (DIR:dir, KCM:) it opens the primary cache, the one kswitch set.
func Open(name string, prof *krb5conf.Profile) (Cache, error) {
	typ, residual := Split(name)
	switch typ {
	case "FILE":
		return &fileCache{path: residual}, nil
	case "DIR":
		if sub, ok := strings.CutPrefix(residual, ":"); ok {
			return &fileCache{path: sub, dir: true}, nil
		}
		return &fileCache{path: filepath.Join(residual, dirPrimary(residual)), dir: true}, nil
	case "KCM":
		socket := DefaultKCMSocket
		if v, ok := prof.Value("libdefaults", "kcm_socket"); ok {
			socket = v
		}
		return openKCM(socket, residual)
	case "KEYRING":
		c, err := openKeyring(residual)
		if err != nil {
			return nil, err
		}
		return c, nil
	default:
		return nil, fmt.Errorf("credential cache %s: %w (accessctl reads FILE, DIR and KCM caches)", cut(name), ErrUnsupported)
	}
}

// dirPrimary is the name in a DIR collection's primary file, "tkt" when there is
// none (MIT's cc_dir.c default).
func dirPrimary(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "primary"))
	if err != nil {
		return "tkt"
	}
	name := strings.TrimRight(string(b), "\n")
	if name == "" || strings.ContainsAny(name, "/\x00") {
		return "tkt"
	}
	return name
}

// fileCache is a FILE cache, or the subsidiary cache of a DIR collection.
type fileCache struct {
	path string
	dir  bool
}

func (c *fileCache) Name() string {
	if c.dir {
		return "DIR::" + c.path
	}
	return "FILE:" + c.path
}

func (c *fileCache) Close() error { return nil }

func (c *fileCache) read() (Principal, []Credential, error) {
	b, err := inputfile.ReadFile(c.path, inputfile.Kerberos) // a regular file of bounded size
	if errors.Is(err, os.ErrNotExist) || err == nil && len(b) == 0 {
		return Principal{}, nil, ErrNoCredentials
	}
	if err != nil {
		return Principal{}, nil, fmt.Errorf("read credential cache %s: %w", c.Name(), err)
	}
	p, creds, err := DecodeFile(b)
	if err != nil {
		return Principal{}, nil, fmt.Errorf("credential cache %s: %w", c.Name(), err)
	}
	return p, creds, nil
}

func (c *fileCache) Principal() (Principal, error) {
	p, _, err := c.read()
	return p, err
}

func (c *fileCache) Credentials() ([]Credential, error) {
	_, creds, err := c.read()
	return creds, err
}

// Gokrb5 turns a cache's principal and credentials into gokrb5's cache type (its
// only constructor is its file parser, fed a version-4 image built here). MIT's
// configuration entries are left out.
func Gokrb5(p Principal, creds []Credential) (*credentials.CCache, error) {
	kept := make([]Credential, 0, len(creds))
	for _, c := range creds {
		if !c.IsConfig() {
			kept = append(kept, c)
		}
	}
	cc := new(credentials.CCache)
	if err := cc.Unmarshal(EncodeFile(p, kept)); err != nil {
		return nil, fmt.Errorf("convert the credential cache: %w", err)
	}
	return cc, nil
}

// Store appends cred under MIT's lock: a whole-file fcntl write lock, as cc_file.c
// takes, so a concurrent kinit or ldapsearch never sees half a credential.
func (c *fileCache) Store(cred *Credential) error {
	f, err := os.OpenFile(c.path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("open credential cache %s: %w", c.Name(), errors.Unwrap(err))
	}
	defer f.Close()
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLKW, &lk); err != nil {
		return fmt.Errorf("lock credential cache %s: %w", c.Name(), err)
	}
	defer func() {
		lk.Type = syscall.F_UNLCK
		_ = syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk)
	}()
	var head [2]byte
	if _, err := f.ReadAt(head[:], 0); err != nil || head != [2]byte{5, 4} {
		return fmt.Errorf("credential cache %s: not a version-4 cache, not written", c.Name())
	}
	if _, err := f.Write(EncodeCredential(cred)); err != nil {
		return fmt.Errorf("write credential cache %s: %w", c.Name(), errors.Unwrap(err))
	}
	return nil
}
