package completion

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/config"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// session is one completion (or refresh) run.
type session struct {
	f   *cmdutil.Factory
	cmd *cobra.Command
	// globals are the global flags given on the command line, as --name=value, passed on
	// to the refresh child.
	globals []string
}

func newSession(f *cmdutil.Factory, cmd *cobra.Command) *session {
	s := &session{f: f, cmd: cmd}
	if cmd == nil {
		return s
	}
	// `__complete` parses the flags but runs no PersistentPreRun, so the Factory has not
	// seen the global flags (--sandbox, --server, ...): resolve the configuration here
	// from the flags cobra parsed.
	set := map[string]string{}
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		if !isKey(fl.Name) {
			return
		}
		v := fl.Value.String()
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			v = strings.Join(sv.GetSlice(), ",")
		}
		set[fl.Name] = v
		s.globals = append(s.globals, "--"+fl.Name+"="+v)
	})
	if len(set) > 0 {
		cfg, err := config.Load(set, config.DefaultPaths())
		f.Config = func() (*config.Config, error) { return cfg, err }
	}
	return s
}

func isKey(name string) bool {
	for _, k := range config.Keys {
		if k.Name == name {
			return true
		}
	}
	return false
}

func (s *session) conventions() (*siteconv.Conventions, error) {
	if s.f.Conventions == nil {
		return siteconv.Default(), nil
	}
	return s.f.Conventions()
}

// target is the directory the names come from.
type target struct {
	sandbox string   // absolute path of the sandbox file, or ""
	servers []string // LDAP servers in order
	// reachable: a direct read may be tried without prompting or creating anything.
	reachable bool
}

// key names the directory in cache file names.
func (t target) key() string {
	var id string
	if t.sandbox != "" {
		id = "sandbox:" + t.sandbox
	} else {
		id = "servers:" + strings.Join(t.servers, ",")
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:8])
}

// target resolves the directory the same way the Factory does (sandbox by flag or
// environment, then servers from configuration or conventions, then the default
// sandbox in the state directory).
func (s *session) target() (target, bool) {
	if s.f.Config == nil {
		return target{}, false
	}
	cfg, err := s.f.Config()
	if err != nil {
		return target{}, false
	}
	sb := cfg.Get("sandbox")
	servers := cfg.List("server")
	if sb == "" && len(servers) == 0 {
		if conv, err := s.conventions(); err == nil && len(conv.Servers) > 0 {
			servers = conv.Servers
		}
	}
	if sb != "" || len(servers) == 0 {
		if sb == "" {
			sb = filepath.Join(cfg.StateDir(), "sandbox.ldif")
		}
		if abs, err := filepath.Abs(sb); err == nil {
			sb = abs
		}
		_, statErr := os.Stat(sb)
		// Never create the default sandbox from a TAB: only read an existing file.
		return target{sandbox: sb, reachable: statErr == nil}, true
	}
	// A simple bind without a password file would read stdin or prompt: cache only.
	reachable := cfg.Get("bind-dn") == "" || cfg.Get("password-file") != ""
	return target{servers: servers, reachable: reachable}, true
}

// lookup answers kind from the cache, refreshing it in the background when stale, or
// reads the directory directly when the cache holds nothing for kind.
func (s *session) lookup(ctx context.Context, kind string) []Item {
	t, ok := s.target()
	if !ok {
		return nil
	}
	base, err := cacheBase(t)
	if err != nil {
		return nil
	}
	if k := loadKind(base, kind); k != nil {
		if t.sandbox != "" && t.reachable {
			// A sandbox is a local file: when it changed since the cache was filled,
			// reading it again is cheap and gives the right answer now.
			if fi, err := os.Stat(t.sandbox); err == nil && fi.ModTime().After(k.Fetched) {
				if items, err := s.readDirect(ctx, t, base, kind); err == nil {
					return items
				}
			}
		}
		if time.Since(k.Fetched) > maxAge() {
			s.spawnRefresh(t, base)
		}
		return k.items()
	}
	if !t.reachable || recentlyFailed(base) {
		return nil
	}
	items, err := s.readDirect(ctx, t, base, kind)
	if err != nil {
		markFailed(base)
		return nil
	}
	return items
}

// failBackoff: after a direct read failed (no ticket, dead server), TABs answer at once
// with nothing for this long instead of trying again and waiting again.
const failBackoff = time.Minute

func recentlyFailed(base string) bool {
	fi, err := os.Stat(base + ".failed")
	return err == nil && time.Since(fi.ModTime()) < failBackoff
}

func markFailed(base string) {
	if err := os.MkdirAll(filepath.Dir(base), 0o700); err != nil {
		return
	}
	if f, err := os.OpenFile(base+".failed", os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err == nil {
		f.Close()
		now := time.Now()
		_ = os.Chtimes(base+".failed", now, now)
	}
}

func maxAge() time.Duration {
	if v := os.Getenv("ACCESSCTL_COMPLETION_MAX_AGE"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d >= 0 {
			return d
		}
	}
	return MaxAge
}

// open opens the directory with a deadline, quietly.
func (s *session) open(ctx context.Context, timeout time.Duration) (directory.Client, context.Context, context.CancelFunc, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	if s.f.Directory == nil {
		cancel()
		return nil, nil, nil, errors.New("no directory")
	}
	dir, err := s.f.Directory(ctx)
	if err != nil {
		cancel()
		return nil, nil, nil, err
	}
	return dir, ctx, cancel, nil
}

// readDirect reads kind (and whatever else the same searches give) and stores it.
func (s *session) readDirect(ctx context.Context, t target, base, kind string) ([]Item, error) {
	dir, ctx, cancel, err := s.open(ctx, coldTimeout)
	if err != nil {
		return nil, err
	}
	defer cancel()
	conv, err := s.conventions()
	if err != nil {
		return nil, err
	}
	fe := newFetcher(dir, conv)
	start := time.Now()
	items, err := fe.kind(ctx, kind)
	if err != nil {
		return nil, err
	}
	_ = saveKind(base, describe(t), kind, items, start)
	_ = os.Remove(base + ".failed")
	for _, k := range AllKinds {
		if k != kind && fe.covers(k) {
			if more, err := fe.kind(ctx, k); err == nil {
				_ = saveKind(base, describe(t), k, more, start)
			}
		}
	}
	return items, nil
}

// refreshAll reads every kind and rewrites the cache (the background child's work).
func (s *session) refreshAll(ctx context.Context) error {
	t, ok := s.target()
	if !ok || !t.reachable {
		return errors.New("no reachable directory")
	}
	base, err := cacheBase(t)
	if err != nil {
		return err
	}
	defer os.Remove(base + ".refresh")
	timeout := 60 * time.Second
	if cfg, err := s.f.Config(); err == nil {
		if d := cfg.Duration("timeout"); d > 0 {
			timeout = d * 2
		}
	}
	dir, ctx, cancel, err := s.open(ctx, timeout)
	if err != nil {
		return err
	}
	defer cancel()
	conv, err := s.conventions()
	if err != nil {
		return err
	}
	fe := newFetcher(dir, conv)
	start := time.Now()
	for _, k := range AllKinds {
		items, err := fe.kind(ctx, k)
		if err != nil {
			return err
		}
		if err := saveKind(base, describe(t), k, items, start); err != nil {
			return err
		}
	}
	return nil
}

func describe(t target) string {
	if t.sandbox != "" {
		return "sandbox " + t.sandbox
	}
	return strings.Join(t.servers, ",")
}
