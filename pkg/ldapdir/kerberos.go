package ldapdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/accessctl/accessctl/pkg/inputfile"
)

// ErrUnsupportedCCache reports a credential cache type gokrb5 cannot read (KCM, KEYRING,
// MEMORY, API).
var ErrUnsupportedCCache = errors.New("unsupported credential cache type")

// Krb5ConfPath returns path when set, else the first file in KRB5_CONFIG, else
// /etc/krb5.conf.
func Krb5ConfPath(path string) string {
	if path != "" {
		return path
	}
	if env := os.Getenv("KRB5_CONFIG"); env != "" {
		for _, p := range strings.Split(env, ":") {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	return "/etc/krb5.conf"
}

// ResolveCCache turns a credential cache name (the --ccache value, else KRB5CCNAME, else
// default_ccache_name from krb5.conf text krb5conf, else /tmp/krb5cc_UID) into the path of
// a FILE cache. DIR caches resolve to their primary cache. KCM, KEYRING, MEMORY and API
// caches give an error wrapping ErrUnsupportedCCache that tells how to get a FILE cache.
func ResolveCCache(name, krb5conf string) (string, error) {
	if name == "" {
		name = os.Getenv("KRB5CCNAME")
	}
	if name == "" {
		name = defaultCCacheName(krb5conf)
	}
	uid := strconv.Itoa(os.Getuid())
	if name == "" {
		return "/tmp/krb5cc_" + uid, nil
	}
	name = strings.NewReplacer("%{uid}", uid, "%{USERID}", uid, "%{euid}", strconv.Itoa(os.Geteuid())).Replace(name)
	typ, rest, found := strings.Cut(name, ":")
	if !found || strings.HasPrefix(name, "/") {
		return name, nil
	}
	switch strings.ToUpper(typ) {
	case "FILE":
		return rest, nil
	case "DIR":
		if strings.HasPrefix(rest, ":") {
			return rest[1:], nil
		}
		b, err := inputfile.ReadFile(filepath.Join(rest, "primary"), inputfile.Kerberos)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("credential cache %s has no primary cache (run kinit): %w", name, err)
			}
			return "", fmt.Errorf("credential cache %s: %w", name, err)
		}
		p := strings.TrimSpace(string(b))
		if !filepath.IsAbs(p) {
			p = filepath.Join(rest, p)
		}
		return p, nil
	case "KCM", "KEYRING", "MEMORY", "API", "MSLSA":
		return "", fmt.Errorf("credential cache %s: %w: accessctl reads FILE and DIR caches only; "+
			"run `kinit -c FILE:/tmp/krb5cc_%s <principal>` and `export KRB5CCNAME=FILE:/tmp/krb5cc_%s`, "+
			"or use --keytab and --principal", name, ErrUnsupportedCCache, uid, uid)
	default:
		return "", fmt.Errorf("credential cache %s: %w", name, ErrUnsupportedCCache)
	}
}

// defaultCCacheName finds default_ccache_name in krb5.conf text.
func defaultCCacheName(text string) string {
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && strings.TrimSpace(k) == "default_ccache_name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// loadKrb5Conf loads the configuration, tolerating unsupported directives, and adds the
// aes-sha2 enctypes (19, 20) to the default lists the file does not set itself.
func loadKrb5Conf(path string) (*config.Config, string, []string, error) {
	var warnings []string
	text, err := inputfile.ReadFile(path, inputfile.Kerberos)
	if err != nil {
		return nil, "", nil, fmt.Errorf("read kerberos configuration: %w", err)
	}
	cfg, err := config.NewFromString(string(text))
	if err != nil {
		var ud config.UnsupportedDirective
		if !errors.As(err, &ud) || cfg == nil {
			return nil, "", nil, fmt.Errorf("kerberos configuration %s: %w", path, err)
		}
		warnings = append(warnings, fmt.Sprintf("kerberos configuration %s: %v", path, err))
	}
	addSHA2(cfg, string(text))
	return cfg, string(text), warnings, nil
}

func addSHA2(cfg *config.Config, text string) {
	add := func(ids []int32) []int32 {
		out := ids
		for _, id := range []int32{20, 19} {
			if !slices.Contains(out, id) {
				out = append([]int32{id}, out...)
			}
		}
		return out
	}
	if !strings.Contains(text, "default_tkt_enctypes") {
		cfg.LibDefaults.DefaultTktEnctypeIDs = add(cfg.LibDefaults.DefaultTktEnctypeIDs)
	}
	if !strings.Contains(text, "default_tgs_enctypes") {
		cfg.LibDefaults.DefaultTGSEnctypeIDs = add(cfg.LibDefaults.DefaultTGSEnctypeIDs)
	}
	if !strings.Contains(text, "permitted_enctypes") {
		cfg.LibDefaults.PermittedEnctypeIDs = add(cfg.LibDefaults.PermittedEnctypeIDs)
	}
}

// kerberosClient builds the gokrb5 client for a GSSAPI bind.
func kerberosClient(g GSSAPI) (*client.Client, []string, error) {
	confPath := Krb5ConfPath(g.Krb5Conf)
	cfg, text, warnings, err := loadKrb5Conf(confPath)
	if err != nil {
		return nil, nil, err
	}
	if g.Keytab != "" {
		if g.Principal == "" {
			return nil, warnings, errors.New("a keytab needs a principal (--principal)")
		}
		kt, err := LoadKeytab(g.Keytab)
		if err != nil {
			return nil, warnings, err // names the keytab
		}
		user, realm, _ := strings.Cut(g.Principal, "@")
		if realm == "" {
			realm = cfg.LibDefaults.DefaultRealm
		}
		cl := client.NewWithKeytab(user, realm, kt, cfg, client.DisablePAFXFAST(true))
		if err := cl.Login(); err != nil {
			return nil, warnings, fmt.Errorf("kerberos login as %s@%s with keytab %s: %w", user, realm, g.Keytab, err)
		}
		return cl, warnings, nil
	}
	path, err := ResolveCCache(g.CCache, text)
	if err != nil {
		return nil, warnings, err
	}
	cc, err := loadCCache(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, warnings, fmt.Errorf("no kerberos credentials in %s: run kinit, or use --keytab and --principal", path)
		}
		return nil, warnings, err // names the cache
	}
	cl, err := client.NewFromCCache(cc, cfg, client.DisablePAFXFAST(true))
	if err != nil {
		return nil, warnings, fmt.Errorf("use credential cache %s: %w (run kinit again?)", path, err)
	}
	return cl, warnings, nil
}

// LoadKeytab reads a keytab as keytab.Load does, through inputfile: a regular file of
// bounded size, never a FIFO or a device.
func LoadKeytab(path string) (*keytab.Keytab, error) {
	b, err := inputfile.ReadFile(path, inputfile.Keytab)
	if err != nil {
		return nil, err
	}
	kt := keytab.New()
	if err := kt.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("keytab %s: %w", path, err)
	}
	return kt, nil
}

// loadCCache reads a FILE: credential cache as credentials.LoadCCache does, bounded.
func loadCCache(path string) (*credentials.CCache, error) {
	b, err := inputfile.ReadFile(path, inputfile.Kerberos)
	if err != nil {
		return nil, err
	}
	cc := new(credentials.CCache)
	if err := cc.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("credential cache %s: %w", path, err)
	}
	return cc, nil
}
