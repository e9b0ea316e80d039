// Package config resolves accessctl's settings from, in order of precedence: flags,
// ACCESSCTL_* environment variables, ~/.config/accessctl/config.yaml, the host's
// /etc/ipa/default.conf and /etc/krb5.conf, and built-in defaults. Every value remembers
// where it came from, for `accessctl config show`.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/accessctl/accessctl/pkg/clip"
	"github.com/accessctl/accessctl/pkg/inputfile"
	"github.com/accessctl/accessctl/pkg/ipaconf"
	"github.com/accessctl/accessctl/pkg/krb5conf"
	"github.com/accessctl/accessctl/pkg/yamlerr"
)

// Key describes one setting: its flag/config/env name and help.
type Key struct {
	Name    string // long flag name == config key
	Env     string
	Default string
	Help    string
	List    bool // comma-separated / repeatable
}

// Keys is the one table of settings. Flags, config-file keys and environment variables
// all derive from it.
var Keys = []Key{
	{Name: "server", Env: "ACCESSCTL_SERVER", List: true, Help: "LDAP server URL or host, in failover order (ldaps://ipa1.example.test)"},
	{Name: "sandbox", Env: "ACCESSCTL_SANDBOX", Help: "use this LDIF file as the directory instead of a server"},
	{Name: "suffix", Env: "ACCESSCTL_SUFFIX", Help: "directory suffix (default: from the server or /etc/ipa/default.conf)"},
	{Name: "realm", Env: "ACCESSCTL_REALM", Help: "Kerberos realm"},
	{Name: "domain", Env: "ACCESSCTL_DOMAIN", Help: "IPA DNS domain (for SRV discovery)"},
	{Name: "site", Env: "ACCESSCTL_SITE", Help: "IPA location, to prefer site-local servers from DNS"},
	{Name: "ca-file", Env: "ACCESSCTL_CA_FILE", Default: "/etc/ipa/ca.crt", Help: "the IPA CA certificate the servers are verified with (\"system\": the system roots instead)"},
	{Name: "starttls", Env: "ACCESSCTL_STARTTLS", Default: "false", Help: "use StartTLS on ldap:// URLs"},
	{Name: "insecure", Env: "ACCESSCTL_INSECURE", Default: "false", Help: "allow plain LDAP without TLS (not recommended)"},
	{Name: "connect-timeout", Env: "ACCESSCTL_CONNECT_TIMEOUT", Default: "3s", Help: "time to give each server to connect"},
	{Name: "timeout", Env: "ACCESSCTL_TIMEOUT", Default: "30s", Help: "time limit of each directory operation"},
	{Name: "keytab", Env: "ACCESSCTL_KEYTAB", Help: "bind with this keytab instead of the ticket cache"},
	{Name: "principal", Env: "ACCESSCTL_PRINCIPAL", Help: "principal in --keytab (default: its first)"},
	{Name: "krb5-conf", Env: "ACCESSCTL_KRB5_CONF", Default: "/etc/krb5.conf", Help: "Kerberos configuration files, colon-separated (default: KRB5_CONFIG, else /etc/krb5.conf)"},
	{Name: "ccache", Env: "ACCESSCTL_CCACHE", Help: "Kerberos credential cache (default: KRB5CCNAME, else default_ccache_name of krb5.conf)"},
	{Name: "bind-dn", Env: "ACCESSCTL_BIND_DN", Help: "simple bind as this DN (password from --password-file or a prompt)"},
	{Name: "password-file", Env: "ACCESSCTL_PASSWORD_FILE", Help: "file holding the simple-bind password"},
	{Name: "conventions", Env: "ACCESSCTL_CONVENTIONS", Help: "site conventions YAML file (default: built-in ITTN-010)"},
	{Name: "state-dir", Env: "ACCESSCTL_STATE_DIR", Help: "where accessctl keeps its state (default: $XDG_STATE_HOME/accessctl)"},
	{Name: "search-max-entries", Env: "ACCESSCTL_SEARCH_MAX_ENTRIES", Default: "2000000", Help: "most entries one search may return; more is an error (0: no cap)"},
	{Name: "search-max-bytes", Env: "ACCESSCTL_SEARCH_MAX_BYTES", Default: "2GiB", Help: "most octets of entries one search may return, e.g. 512MiB; more is an error (0: no cap)"},
}

// Source tells where a value came from.
type Source string

const (
	FromFlag     Source = "flag"
	FromEnv      Source = "env"
	FromFile     Source = "config file"
	FromIPAConf  Source = "/etc/ipa/default.conf"
	FromKrb5Conf Source = "/etc/krb5.conf"
	FromDefault  Source = "default"
	FromDerived  Source = "derived"
)

// Value is one resolved setting.
type Value struct {
	Key    string `json:"key" yaml:"key"`
	Value  string `json:"value" yaml:"value"`
	Source Source `json:"source" yaml:"source"`
	Detail string `json:"detail,omitempty" yaml:"detail,omitempty"` // e.g. the file path
}

// Config is the resolved configuration.
type Config struct {
	values map[string]Value
	// File is the config file consulted (whether or not it existed).
	File string
	// krb5 is the merged Kerberos configuration (krb5Err when it could not be read).
	krb5    *krb5conf.Profile
	krb5Err error
}

// Paths locates the files Load reads; tests override them.
type Paths struct {
	ConfigFile string // default $XDG_CONFIG_HOME/accessctl/config.yaml
	IPAConf    string // default /etc/ipa/default.conf
	Krb5Conf   string // the KRB5_CONFIG value, default /etc/krb5.conf
}

// DefaultPaths returns the standard locations, honouring ACCESSCTL_CONFIG and
// ACCESSCTL_IPA_CONF (so tests and odd hosts can point elsewhere).
func DefaultPaths() Paths {
	p := Paths{IPAConf: "/etc/ipa/default.conf", Krb5Conf: "/etc/krb5.conf"}
	if v := os.Getenv("ACCESSCTL_CONFIG"); v != "" {
		p.ConfigFile = v
	} else if dir, err := os.UserConfigDir(); err == nil {
		p.ConfigFile = filepath.Join(dir, "accessctl", "config.yaml")
	}
	if v := os.Getenv("ACCESSCTL_IPA_CONF"); v != "" {
		p.IPAConf = v
	}
	if v := os.Getenv("KRB5_CONFIG"); v != "" {
		p.Krb5Conf = v
	}
	return p
}

// Load resolves every key. flags holds only the flags the user set.
func Load(flags map[string]string, paths Paths) (*Config, error) {
	c := &Config{values: map[string]Value{}, File: paths.ConfigFile}
	for _, k := range Keys {
		if k.Default != "" {
			c.values[k.Name] = Value{Key: k.Name, Value: k.Default, Source: FromDefault}
		}
	}
	if err := c.loadHostFiles(paths); err != nil {
		return nil, err
	}
	if paths.ConfigFile != "" {
		if err := c.loadFile(paths.ConfigFile); err != nil {
			return nil, err
		}
	}
	for _, k := range Keys {
		if v, ok := os.LookupEnv(k.Env); ok && v != "" {
			c.values[k.Name] = Value{Key: k.Name, Value: v, Source: FromEnv, Detail: k.Env}
		}
	}
	for name, v := range flags {
		if _, ok := keyByName(name); ok {
			c.values[name] = Value{Key: name, Value: v, Source: FromFlag, Detail: "--" + name}
		}
	}
	c.loadKrb5()
	return c, c.validate()
}

func keyByName(name string) (Key, bool) {
	for _, k := range Keys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

func (c *Config) loadFile(path string) error {
	data, err := inputfile.ReadFile(path, inputfile.Config)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	// Errors name the file and line, never what is in it: the file may be something else
	// given by mistake (ACCESSCTL_CONFIG=/etc/shadow).
	fail := func(line int, msg string) error {
		if line > 0 {
			return fmt.Errorf("config %s:%d: %s", path, line, msg)
		}
		return fmt.Errorf("config %s: %s", path, msg)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fail(yamlerr.Describe(err, KeyNames()))
	}
	if len(doc.Content) == 0 {
		return nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fail(root.Line, "want key: value settings")
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		kn, vn := root.Content[i], root.Content[i+1]
		k, ok := keyByName(kn.Value)
		if !ok {
			return fail(kn.Line, "unknown key"+yamlerr.Suggest(kn.Value, KeyNames())+" (known: "+strings.Join(KeyNames(), ", ")+")")
		}
		var val any
		if err := vn.Decode(&val); err != nil {
			return fail(yamlerr.Describe(err, nil))
		}
		var s string
		switch v := val.(type) {
		case []any:
			parts := make([]string, len(v))
			for i, p := range v {
				parts[i] = fmt.Sprint(p)
			}
			s = strings.Join(parts, ",")
		default:
			s = fmt.Sprint(v)
		}
		c.values[k.Name] = Value{Key: k.Name, Value: s, Source: FromFile, Detail: path}
	}
	return nil
}

// loadHostFiles reads the IPA client's default.conf (server, basedn, realm, domain) and
// krb5.conf (default_realm) when present.
func (c *Config) loadHostFiles(p Paths) error {
	if p.IPAConf != "" {
		conf, err := ipaconf.Read(p.IPAConf)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if conf != nil {
			set := func(key, val string) {
				if val != "" {
					c.values[key] = Value{Key: key, Value: val, Source: FromIPAConf, Detail: p.IPAConf}
				}
			}
			set("server", strings.Join(conf.Servers(), ","))
			set("suffix", conf.BaseDN)
			set("realm", conf.Realm)
			set("domain", conf.Domain)
		}
	}
	if p.Krb5Conf != "" {
		if c.values["krb5-conf"].Source == FromDefault || c.values["krb5-conf"].Value == "" {
			c.values["krb5-conf"] = Value{Key: "krb5-conf", Value: p.Krb5Conf, Source: FromDefault}
		}
	}
	return nil
}

// loadKrb5 reads the merged Kerberos configuration MIT would read (the explicit
// --krb5-conf/ACCESSCTL_KRB5_CONF files, else KRB5_CONFIG, else /etc/krb5.conf) and
// takes the realm from it when nothing else set one. An unreadable configuration is
// kept as an error for the Kerberos bind to report; other commands do not need it.
func (c *Config) loadKrb5() {
	c.krb5, c.krb5Err = krb5conf.LoadDefault(c.Krb5Explicit())
	if c.krb5Err != nil {
		return
	}
	if _, ok := c.values["realm"]; !ok {
		if realm := c.krb5.DefaultRealm(); realm != "" {
			c.values["realm"] = Value{Key: "realm", Value: realm, Source: FromKrb5Conf, Detail: strings.Join(c.krb5.Files, ":")}
		}
	}
}

// Krb5Explicit is the --krb5-conf value when the user set one (flag, environment or
// config file), else "" so that KRB5_CONFIG and then /etc/krb5.conf apply.
func (c *Config) Krb5Explicit() string {
	v := c.values["krb5-conf"]
	if v.Source == FromDefault {
		return ""
	}
	return v.Value
}

// Krb5 returns the merged Kerberos configuration, or the error reading it (a file and
// line MIT would refuse too).
func (c *Config) Krb5() (*krb5conf.Profile, error) { return c.krb5, c.krb5Err }

func (c *Config) validate() error {
	for _, name := range []string{"timeout", "connect-timeout"} {
		v := c.values[name]
		if d, err := time.ParseDuration(v.Value); err != nil || d <= 0 {
			return fmt.Errorf("invalid %s %s from %s: want a positive duration such as 3s", name, clip.Quote(v.Value), v.from())
		}
	}
	if err := c.validateLimits(); err != nil {
		return err
	}
	for _, name := range []string{"starttls", "insecure"} {
		v := c.values[name]
		if v.Value != "true" && v.Value != "false" {
			return fmt.Errorf("invalid %s %s from %s: want true or false", name, clip.Quote(v.Value), v.from())
		}
	}
	return nil
}

// from says where a value came from for an error: "flag", "env ACCESSCTL_TIMEOUT",
// "config file /home/x/.config/accessctl/config.yaml".
func (v Value) from() string {
	if v.Detail != "" && v.Source != FromFlag {
		return string(v.Source) + " " + v.Detail
	}
	return string(v.Source)
}

// KeyNames lists every key.
func KeyNames() []string {
	out := make([]string, len(Keys))
	for i, k := range Keys {
		out[i] = k.Name
	}
	return out
}

// Get returns a value ("" when unset).
func (c *Config) Get(name string) string { return c.values[name].Value }

// Lookup returns the value with its source.
func (c *Config) Lookup(name string) (Value, bool) {
	v, ok := c.values[name]
	return v, ok
}

// Set records a derived value (e.g. the default sandbox path).
func (c *Config) Set(name, value string, src Source, detail string) {
	c.values[name] = Value{Key: name, Value: value, Source: src, Detail: detail}
}

// List returns the value of a list key, split on commas.
func (c *Config) List(name string) []string {
	var out []string
	for _, s := range strings.Split(c.Get(name), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Bool returns a boolean key.
func (c *Config) Bool(name string) bool { return c.Get(name) == "true" }

// Duration returns a duration key (validated by Load).
func (c *Config) Duration(name string) time.Duration {
	d, _ := time.ParseDuration(c.Get(name))
	return d
}

// All returns every key in table order, with "(unset)" for missing ones.
func (c *Config) All() []Value {
	out := make([]Value, 0, len(Keys))
	for _, k := range Keys {
		if v, ok := c.values[k.Name]; ok {
			out = append(out, v)
		} else {
			out = append(out, Value{Key: k.Name, Source: "unset"})
		}
	}
	return out
}

// StateDir is where accessctl keeps its state (default sandbox, records, runbooks).
func (c *Config) StateDir() string {
	if d := c.Get("state-dir"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "accessctl")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "accessctl-state")
	}
	return filepath.Join(home, ".local", "state", "accessctl")
}
