// Package sysaccounts builds and lists LDAP service bind DNs (ITTN-010 §7.3):
// uid=NAME,cn=sysaccounts,cn=etc,<suffix> in FreeIPA 4.13's sysaccount-add shape
// (objectClass account + simplesecurityobject), with a random password that never expires
// and no idle timeout.
package sysaccounts

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
)

// Hidden replaces the password wherever a plan is shown.
const Hidden = "<hidden>"

// NeverExpires is passwordExpirationTime's far-future value (ITTN-010 §7.3).
const NeverExpires = "20380119031407Z"

// MinPasswordLength is the shortest password accessctl generates.
const MinPasswordLength = 32

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// GeneratePassword returns n characters (at least MinPasswordLength) drawn uniformly from
// [A-Za-z0-9] with crypto/rand.
func GeneratePassword(n int) (string, error) {
	if n < MinPasswordLength {
		n = MinPasswordLength
	}
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", fmt.Errorf("generate password: %w", err)
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b), nil
}

var namePattern = regexp.MustCompile(`^[a-z_][a-z0-9_.-]{0,31}$`)

// ValidateName checks a bind DN name: a lower-case login-like name (letters, digits, _ . -),
// at most 32 characters, not starting with a digit, dot or hyphen.
func ValidateName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("invalid service name %q: use lower-case letters, digits, _ . - (at most 32, starting with a letter or _)", name)
	}
	return ipa.CheckManageable(ipa.KindBindDN, name, nil) // FreeIPA's own: sudo, passsync
}

// Entry is the bind DN entry with password pw (pass Hidden for display).
func Entry(dn, name, pw string) *directory.Entry {
	return directory.NewEntry(dn,
		directory.A("objectClass", "account", "simplesecurityobject"),
		directory.A("uid", name),
		directory.A("userPassword", pw),
		directory.A("passwordExpirationTime", NeverExpires),
		directory.A("nsIdleTimeout", "0"),
	)
}

// Account is one bind DN as `list` shows it.
type Account struct {
	Name        string `json:"name" yaml:"name"`
	DN          string `json:"dn" yaml:"dn"`
	Expires     string `json:"password_expiration" yaml:"password_expiration"`
	IdleTimeout string `json:"idle_timeout" yaml:"idle_timeout"`
	Locked      bool   `json:"locked" yaml:"locked"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
}

// List reads every bind DN under cn=sysaccounts,cn=etc in one search.
func List(ctx context.Context, dir directory.Client) ([]Account, error) {
	entries, err := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.SysAccounts, dir.Suffix()),
		Scope: directory.ScopeOne, Filter: "(objectClass=*)",
		Attributes: []string{"uid", "description", "passwordExpirationTime", "nsIdleTimeout", "nsAccountLock"}})
	if err != nil {
		return nil, fmt.Errorf("read service bind dns: %w", err)
	}
	out := []Account{}
	for _, e := range entries {
		name := e.First("uid")
		if name == "" {
			name = directory.RDNValue(e.DN)
		}
		out = append(out, Account{Name: name, DN: e.DN, Expires: e.First("passwordExpirationTime"),
			IdleTimeout: e.First("nsIdleTimeout"), Locked: strings.EqualFold(e.First("nsAccountLock"), "true"),
			Description: e.First("description")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Get reads one bind DN (nil when absent).
func Get(ctx context.Context, dir directory.Client, dn string) (*directory.Entry, error) {
	es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Filter: "(objectClass=*)",
		Attributes: []string{"uid", "objectClass", "passwordExpirationTime", "nsIdleTimeout"}})
	if directory.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dn, err)
	}
	if len(es) == 0 {
		return nil, nil
	}
	return es[0], nil
}

// PlanCreate plans the add with the password hidden; the real one goes in through Secret.
func PlanCreate(dn, name string, cur *directory.Entry) *plan.Plan {
	p := &plan.Plan{Title: "service bind dn " + name}
	if cur != nil {
		p.Add(plan.Change{Action: plan.Unchanged, Kind: "sysaccount", Name: name, DN: cur.DN,
			Notes: []string{"exists; use accessctl service binddn rotate " + name + " for a new password"}})
		return p
	}
	p.Add(plan.Change{Action: plan.Create, Kind: "sysaccount", Name: name, DN: dn, Entry: Entry(dn, name, Hidden),
		Notes: []string{"password never expires, no idle timeout"}})
	return p
}

// PlanRotate plans a new password (hidden).
func PlanRotate(name string, cur *directory.Entry) *plan.Plan {
	p := &plan.Plan{Title: "rotate the password of service bind dn " + name}
	p.Add(plan.Change{Action: plan.Modify, Kind: "sysaccount", Name: name, DN: cur.DN, Removes: true,
		Mods:  []directory.Mod{{Op: directory.ModReplace, Attr: "userPassword", Values: []string{Hidden}}},
		Notes: []string{"the old password stops working: update every service that binds as " + name}})
	return p
}

// PlanDelete plans the removal.
func PlanDelete(name string, cur *directory.Entry) *plan.Plan {
	p := &plan.Plan{Title: "delete service bind dn " + name}
	p.Add(plan.Change{Action: plan.Delete, Kind: "sysaccount", Name: name, DN: cur.DN, Removes: true,
		Notes: []string{"every service that binds as " + name + " loses access"}})
	return p
}

// Secret wraps a client so that writes to DN carry the real password wherever the plan
// holds Hidden: the plan shown (text, JSON, YAML) never holds the password.
type Secret struct {
	directory.Client
	DN       string
	Password string
}

func (s *Secret) fill(attr string, vals []string) []string {
	if !strings.EqualFold(attr, "userPassword") {
		return vals
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = v
		if v == Hidden {
			out[i] = s.Password
		}
	}
	return out
}

// Add implements directory.Client.
func (s *Secret) Add(ctx context.Context, e *directory.Entry) (string, error) {
	if directory.EqualDN(e.DN, s.DN) {
		c := &directory.Entry{DN: e.DN}
		for _, a := range e.Attributes {
			c.Attributes = append(c.Attributes, directory.Attribute{Name: a.Name, Values: s.fill(a.Name, a.Values)})
		}
		e = c
	}
	return s.Client.Add(ctx, e)
}

// Modify implements directory.Client.
func (s *Secret) Modify(ctx context.Context, dn string, mods []directory.Mod) error {
	if directory.EqualDN(dn, s.DN) {
		c := make([]directory.Mod, len(mods))
		for i, m := range mods {
			c[i] = directory.Mod{Op: m.Op, Attr: m.Attr, Values: s.fill(m.Attr, m.Values)}
		}
		mods = c
	}
	return s.Client.Modify(ctx, dn, mods)
}

// UpdateFile renders the ipa-ldap-updater file of ITTN-010 §7.3, password included (the
// updater needs it): write it only to a 0600 file or to stdout on request.
func UpdateFile(dn, name, pw string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "dn: %s\n", dn)
	fmt.Fprintf(&b, "add:objectclass:account\nadd:objectclass:simplesecurityobject\n")
	fmt.Fprintf(&b, "add:uid:%s\nadd:userPassword:%s\n", name, pw)
	fmt.Fprintf(&b, "add:passwordExpirationTime:%s\nadd:nsIdleTimeout:0\n", NeverExpires)
	return b.String()
}
