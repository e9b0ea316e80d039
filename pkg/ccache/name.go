package ccache

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/accessctl/accessctl/pkg/krb5conf"
)

// Where the cache name came from, for --debug.
const (
	FromFlag      = "--ccache"
	FromEnv       = "KRB5CCNAME"
	FromConfig    = "default_ccache_name"
	FromBuiltin   = "built-in default"
	builtinFormat = "FILE:/tmp/krb5cc_%{uid}"
)

// DefaultName returns the cache name klist would use and where it came from:
// explicit (--ccache), else KRB5CCNAME, else default_ccache_name of the merged
// configuration, else FILE:/tmp/krb5cc_%{uid}; %{...} tokens expanded.
func DefaultName(explicit string, prof *krb5conf.Profile) (name, from string, err error) {
	switch {
	case explicit != "":
		name, from = explicit, FromFlag
	case os.Getenv("KRB5CCNAME") != "":
		name, from = os.Getenv("KRB5CCNAME"), FromEnv
	default:
		if v, ok := prof.Value("libdefaults", "default_ccache_name"); ok {
			name, from = v, FromConfig
		} else {
			name, from = builtinFormat, FromBuiltin
		}
	}
	name, err = Expand(name)
	return name, from, err
}

// Expand replaces MIT's path tokens (k5_expand_path_tokens): %{uid}, %{USERID},
// %{euid}, %{username}, %{TEMP}, %{null}. Other tokens are an error, as in MIT.
func Expand(s string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "%{")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("cache name %q: unterminated %%{", cut(s))
		}
		tok := s[i+2 : i+end]
		s = s[i+end+1:]
		switch tok {
		case "uid", "USERID":
			b.WriteString(strconv.Itoa(os.Getuid()))
		case "euid":
			b.WriteString(strconv.Itoa(os.Geteuid()))
		case "username":
			u, err := user.LookupId(strconv.Itoa(os.Geteuid()))
			if err != nil {
				return "", fmt.Errorf("cache name: %%{username}: %w", err)
			}
			b.WriteString(u.Username)
		case "TEMP":
			tmp := os.Getenv("TMPDIR")
			if tmp == "" {
				tmp = "/tmp"
			}
			b.WriteString(strings.TrimRight(tmp, "/"))
		case "null":
		default:
			return "", fmt.Errorf("cache name: unknown token %%{%s}", cut(tok))
		}
	}
}

// cut shortens untrusted text for an error message.
func cut(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// Split returns the type (upper case, FILE when absent) and residual of a name.
func Split(name string) (typ, residual string) {
	typ, residual, found := strings.Cut(name, ":")
	// A name without a type, or one starting with a path, is a FILE name.
	if !found || strings.HasPrefix(name, "/") || strings.Contains(typ, "/") {
		return "FILE", name
	}
	return strings.ToUpper(typ), residual
}
