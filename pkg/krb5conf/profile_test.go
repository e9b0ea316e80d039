package krb5conf

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// tree is a set of files under a temporary directory; "$D" in a file's text is that
// directory. paths lists the KRB5_CONFIG entries (relative to $D).
type tree struct {
	name  string
	files map[string]string
	paths []string
	// MIT's answers, recorded from klist/kinit 1.20 on Debian 12 and checked again by
	// TestMITAgrees where MIT's tools are installed.
	ccache  string   // default_ccache_name as klist reports it ("" = MIT's built-in default)
	kdcs    []string // [realms] A.TEST kdc, in the order kinit tries them
	wantErr string   // our error (MIT refuses the configuration too)
}

var trees = []tree{
	{
		name: "ipa-client-install before 4.13: includedir first, main file after",
		files: map[string]string{
			"krb5.conf": "includedir $D/conf.d/\n\n[libdefaults]\n  default_realm = A.TEST\n  default_ccache_name = FILE:$D/main\n" +
				"[realms]\n  A.TEST = {\n    kdc = 127.0.0.1:1\n  }\n",
			"conf.d/kcm_default_ccache": "[libdefaults]\n    default_ccache_name = FILE:$D/kcm\n",
			"conf.d/crypto-policies":    "[libdefaults]\npermitted_enctypes = aes256-cts-hmac-sha1-96 aes256-cts-hmac-sha384-192 camellia256-cts-cmac aes128-cts-hmac-sha1-96\n",
			"conf.d/a.rpmnew":           "[libdefaults]\n default_ccache_name = FILE:$D/rpmnew\n",
		},
		paths:  []string{"krb5.conf"},
		ccache: "$D/kcm",
		kdcs:   []string{"127.0.0.1:1"},
	},
	{
		name: "ipa-client-install 4.13: realm in conf.d/freeipa-realm, main file nearly empty",
		files: map[string]string{
			"krb5.conf":                 "includedir $D/conf.d/\n",
			"conf.d/freeipa":            "[libdefaults]\n  default_realm = A.TEST\n  dns_canonicalize_hostname = fallback\n  default_ccache_name = FILE:$D/ipa\n",
			"conf.d/freeipa-realm":      "[realms]\n  A.TEST = {\n    kdc = 127.0.0.1:3\n    kdc = 127.0.0.1:2\n    auto_fast_armor = true\n  }\n",
			"conf.d/kcm_default_ccache": "[libdefaults]\n    default_ccache_name = FILE:$D/kcm\n",
		},
		paths:  []string{"krb5.conf"},
		ccache: "$D/ipa", // "freeipa" sorts before "kcm_default_ccache"
		kdcs:   []string{"127.0.0.1:3", "127.0.0.1:2"},
	},
	{
		name: "includedir names: MIT skips dotfiles, backups and other suffixes",
		files: map[string]string{
			"krb5.conf":         "[realms]\n A.TEST = {\n  kdc = 127.0.0.1:1\n }\nincludedir $D/d\n",
			"d/.hidden":         "[libdefaults]\n default_ccache_name = FILE:$D/hidden\n",
			"d/a.rpmnew":        "[libdefaults]\n default_ccache_name = FILE:$D/rpmnew\n",
			"d/a~":              "[libdefaults]\n default_ccache_name = FILE:$D/tilde\n",
			"d/a.conf.bak":      "[libdefaults]\n default_ccache_name = FILE:$D/bak\n",
			"d/Z_9-x":           "[realms]\n A.TEST = {\n  kdc = 127.0.0.1:4\n }\n",
			"d/b.conf":          "[libdefaults]\n default_ccache_name = FILE:$D/b.conf\n",
			"d/c":               "[libdefaults]\n default_ccache_name = FILE:$D/c\n[realms]\n A.TEST = {\n  kdc = 127.0.0.1:5\n }\n",
			"d/sub.conf/x.conf": "[libdefaults]\n default_ccache_name = FILE:$D/subdir\n",
		},
		paths:  []string{"krb5.conf"},
		ccache: "$D/b.conf",
		kdcs:   []string{"127.0.0.1:1", "127.0.0.1:4", "127.0.0.1:5"},
	},
	{
		name: "nested includedir and include, read in place",
		files: map[string]string{
			"krb5.conf":  "[realms]\n A.TEST = {\n  kdc = 127.0.0.1:1\n }\ninclude $D/one\n[realms]\n A.TEST = {\n  kdc = 127.0.0.1:9\n }\n",
			"one":        "includedir $D/two.d\n[realms]\n A.TEST = {\n  kdc = 127.0.0.1:2\n }\n",
			"two.d/last": "[libdefaults]\n default_ccache_name = FILE:$D/nested\n[realms]\n A.TEST = {\n  kdc = 127.0.0.1:3\n }\n",
		},
		paths:  []string{"krb5.conf"},
		ccache: "$D/nested",
		kdcs:   []string{"127.0.0.1:1", "127.0.0.1:3", "127.0.0.1:2", "127.0.0.1:9"},
	},
	{
		name: "KRB5_CONFIG list: first value wins, lists join in file order, missing files skipped",
		files: map[string]string{
			"one": "[libdefaults]\n default_ccache_name = FILE:$D/cc-one\n[realms]\n A.TEST = {\n  kdc = 127.0.0.1:1\n }\n",
			"two": "[libdefaults]\n default_ccache_name = FILE:$D/cc-two\n[realms]\n A.TEST = {\n  kdc = 127.0.0.1:2\n }\n",
		},
		paths:  []string{"missing", "one", "two"},
		ccache: "$D/cc-one",
		kdcs:   []string{"127.0.0.1:1", "127.0.0.1:2"},
	},
	{
		name: "final sections stop later files",
		files: map[string]string{
			"one": "[libdefaults]*\n forwardable = true\n[realms]\n A.TEST = {\n  kdc = 127.0.0.1:1\n }*\n",
			"two": "[libdefaults]\n default_ccache_name = FILE:$D/cc-two\n[realms]\n A.TEST = {\n  kdc = 127.0.0.1:2\n }\n",
		},
		paths:  []string{"one", "two"},
		ccache: "",
		kdcs:   []string{"127.0.0.1:1"},
	},
	{
		name: "a final flag inside one file's includes changes nothing (one tree)",
		files: map[string]string{
			"one":   "include $D/inc\n[libdefaults]\n default_ccache_name = FILE:$D/after\n",
			"inc":   "[libdefaults]*\n forwardable = true\n[realms]\n A.TEST = {\n  kdc = 127.0.0.1:1\n }\n",
			"other": "[realms]\n A.TEST = {\n  kdc = 127.0.0.1:2\n }\n",
		},
		paths:  []string{"one", "other"},
		ccache: "$D/after",
		kdcs:   []string{"127.0.0.1:1", "127.0.0.1:2"},
	},
	{
		name: "a final relation does not stop later files in 1.20",
		files: map[string]string{
			"one": "[realms]\n A.TEST = {\n  kdc* = 127.0.0.1:1\n }\n",
			"two": "[libdefaults]\n default_ccache_name = FILE:$D/cc-two\n[realms]\n A.TEST = {\n  kdc = 127.0.0.1:2\n }\n",
		},
		paths:  []string{"one", "two"},
		ccache: "$D/cc-two",
		kdcs:   []string{"127.0.0.1:1", "127.0.0.1:2"},
	},
	{
		name: "quotes, comments, text before the first section, trailing blanks",
		files: map[string]string{
			"krb5.conf": "default_ccache_name = FILE:$D/ignored\n# comment\n[libdefaults]   \n ; comment\n default_ccache_name = \"FILE:$D/q\\\"uoted\" trailing\n" +
				"[realms]\n A.TEST =\n {\n  kdc = 127.0.0.1:6   \n }\n",
		},
		paths:  []string{"krb5.conf"},
		ccache: "$D/q\"uoted",
		kdcs:   []string{"127.0.0.1:6"},
	},
	{
		name:    "missing include",
		files:   map[string]string{"krb5.conf": "[libdefaults]\n default_realm = A.TEST\ninclude $D/nope\n"},
		paths:   []string{"krb5.conf"},
		wantErr: "krb5.conf:3: cannot include $D/nope: no such file or directory",
	},
	{
		name:    "missing includedir",
		files:   map[string]string{"krb5.conf": "includedir $D/nope.d\n"},
		paths:   []string{"krb5.conf"},
		wantErr: "krb5.conf:1: cannot include directory $D/nope.d",
	},
	{
		name: "module line in an included file",
		files: map[string]string{
			"krb5.conf": "includedir $D/d\n",
			"d/mod":     "module /usr/lib/x.so:residual\n",
		},
		paths:   []string{"krb5.conf"},
		wantErr: "d/mod:1: a `module` line is not allowed in an included file",
	},
	{
		name:    "syntax error in an included file",
		files:   map[string]string{"krb5.conf": "include $D/bad\n", "bad": "[libdefaults]\n  no equals sign\n"},
		paths:   []string{"krb5.conf"},
		wantErr: "bad:2: a relation needs `name = value`",
	},
}

func (tr tree) write(t *testing.T) (dir string, paths []string) {
	t.Helper()
	dir = t.TempDir()
	for name, text := range tr.files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(text, "$D", dir)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range tr.paths {
		paths = append(paths, filepath.Join(dir, p))
	}
	return dir, paths
}

func TestTrees(t *testing.T) {
	for _, tr := range trees {
		t.Run(tr.name, func(t *testing.T) {
			dir, paths := tr.write(t)
			p, err := Load(paths)
			if tr.wantErr != "" {
				want := strings.ReplaceAll(tr.wantErr, "$D", dir)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("error = %v, want one containing %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := p.Get("libdefaults", "default_ccache_name")
			want := ""
			if tr.ccache != "" {
				want = "FILE:" + strings.ReplaceAll(tr.ccache, "$D", dir)
			}
			if got != want {
				t.Errorf("default_ccache_name = %q, want %q", got, want)
			}
			if kdcs := p.Values("realms", "A.TEST", "kdc"); !slices.Equal(kdcs, tr.kdcs) {
				t.Errorf("kdc = %q, want %q", kdcs, tr.kdcs)
			}
			if kdcs := p.Gokrb5().Realms; len(tr.kdcs) > 0 && (len(kdcs) != 1 || !slices.Equal(kdcs[0].KDC, tr.kdcs)) {
				t.Errorf("gokrb5 realms = %+v, want A.TEST with %q", kdcs, tr.kdcs)
			}
		})
	}
}

var (
	klistNoCache = regexp.MustCompile(`No credentials cache found \(filename: (.*)\)`)
	traceUDP     = regexp.MustCompile(`Sending initial UDP request to dgram (\S+)`)
)

// TestMITAgrees asks MIT's own klist and kinit about every tree and checks that the
// recorded answers above are MIT's: klist names the default cache, kinit's trace
// lists the KDCs in the order it tries them (nothing listens on the ports).
func TestMITAgrees(t *testing.T) {
	for _, tool := range []string{"klist", "kinit"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not installed (install krb5-user)", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	uid := os.Getuid()
	for _, tr := range trees {
		t.Run(tr.name, func(t *testing.T) {
			dir, paths := tr.write(t)
			env := slices.DeleteFunc(os.Environ(), func(s string) bool {
				return strings.HasPrefix(s, "KRB5CCNAME=") || strings.HasPrefix(s, "KRB5_CONFIG=")
			})
			env = append(env, "KRB5_CONFIG="+strings.Join(paths, ":"), "KRB5_TRACE=/dev/stdout")
			klist := exec.Command("klist")
			klist.Env = env
			out, _ := klist.CombinedOutput()
			if tr.wantErr != "" {
				if !strings.Contains(string(out), "while initializing krb5") {
					t.Fatalf("MIT accepts the configuration: %s", out)
				}
				return
			}
			m := klistNoCache.FindStringSubmatch(string(out))
			if m == nil {
				t.Fatalf("klist: %s", out)
			}
			want := strings.ReplaceAll(tr.ccache, "$D", dir)
			if tr.ccache == "" {
				want = "/tmp/krb5cc_" + strconv.Itoa(uid)
			}
			if m[1] != want {
				t.Errorf("klist's default cache %q, recorded %q", m[1], want)
			}
			kinit := exec.Command("kinit", "nobody@A.TEST")
			kinit.Env = klist.Env
			kinit.Stdin = strings.NewReader("")
			out, _ = kinit.CombinedOutput()
			var kdcs []string
			for _, m := range traceUDP.FindAllStringSubmatch(string(out), -1) {
				kdcs = append(kdcs, m[1])
			}
			if !slices.Equal(kdcs, tr.kdcs) {
				t.Errorf("kinit tried %q, recorded %q", kdcs, tr.kdcs)
			}
		})
	}
}

func TestValidIncludeName(t *testing.T) {
	for name, want := range map[string]bool{
		"freeipa": true, "kcm_default_ccache": true, "crypto-policies": true, "a.conf": true,
		"a.rpmnew": false, "x~": false, ".a.conf": false, "a.conf.bak": false, "": false, "a b": false,
	} {
		if got := ValidIncludeName(name); got != want {
			t.Errorf("ValidIncludeName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestPathList(t *testing.T) {
	t.Setenv("KRB5_CONFIG", "/a:/b")
	if got := PathList(""); !slices.Equal(got, []string{"/a", "/b"}) {
		t.Errorf("KRB5_CONFIG: %q", got)
	}
	if got := PathList("/x"); !slices.Equal(got, []string{"/x"}) {
		t.Errorf("explicit: %q", got)
	}
	t.Setenv("KRB5_CONFIG", "")
	if got := PathList(""); !slices.Equal(got, []string{DefaultPath}) {
		t.Errorf("default: %q", got)
	}
}

func TestGokrb5Settings(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "krb5.conf")
	os.WriteFile(p, []byte("[libdefaults]\n default_realm = A.TEST\n dns_canonicalize_hostname = fallback\n dns_lookup_kdc = false\n"+
		" permitted_enctypes = aes256-cts-hmac-sha1-96 camellia256-cts-cmac, AES128-sha2 rc4-hmac +aes256-cts\n default_tgs_enctypes = aes -aes128-cts\n"+
		" ticket_lifetime = 1d2h\n clockskew = 60\n[realms]\n A.TEST = {\n  kdc = kdc.a.test\n  admin_server = kdc.a.test:749\n }\n[domain_realm]\n .a.test = A.TEST\n"), 0o644)
	prof, err := Load([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	c := prof.Gokrb5()
	l := c.LibDefaults
	if l.DefaultRealm != "A.TEST" || !l.DNSCanonicalizeHostname || l.DNSLookupKDC || l.Clockskew.Seconds() != 60 || l.TicketLifetime.Hours() != 26 {
		t.Errorf("libdefaults: %+v", l)
	}
	if !slices.Equal(l.PermittedEnctypeIDs, []int32{18, 19, 23}) || !slices.Equal(l.DefaultTGSEnctypeIDs, []int32{18, 20, 19}) ||
		!slices.Equal(l.DefaultTktEnctypeIDs, []int32{18, 17, 20, 19, 16, 23}) {
		t.Errorf("enctypes: permitted %v tgs %v", l.PermittedEnctypeIDs, l.DefaultTGSEnctypeIDs)
	}
	if len(c.Realms) != 1 || !slices.Equal(c.Realms[0].KDC, []string{"kdc.a.test:88"}) || !slices.Equal(c.Realms[0].KPasswdServer, []string{"kdc.a.test:464"}) {
		t.Errorf("realms: %+v", c.Realms)
	}
	if c.ResolveRealm("host.a.test") != "A.TEST" {
		t.Errorf("domain_realm: %+v", c.DomainRealm)
	}
}
