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

// Hidden replaces the password wherever a plan is shown (plan.Hidden: the renderings
// meant to be applied refuse it).
const Hidden = plan.Hidden

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

// NotSysaccountError is a bind DN that accessctl refuses to act on: outside
// cn=sysaccounts,cn=etc, or an entry without the sysaccount shape (a user, a group...).
type NotSysaccountError struct {
	DN     string
	Reason string
}

func (e *NotSysaccountError) Error() string {
	return fmt.Sprintf("refusing to act on %s: %s", e.DN, e.Reason)
}

// CheckDN refuses a bind DN that is not directly under cn=sysaccounts,cn=etc,SUFFIX, so
// that even a wrong bind_dn template cannot create, rotate or delete anything else.
func CheckDN(dn, suffix string) error {
	if !directory.EqualDN(directory.Parent(dn), directory.In(directory.SysAccounts, suffix)) {
		return &NotSysaccountError{DN: dn, Reason: "service bind dns live directly under " + directory.In(directory.SysAccounts, suffix)}
	}
	return nil
}

// CheckEntry refuses an existing entry that is not a sysaccount: it must lie under
// cn=sysaccounts,cn=etc and have objectClass account and simplesecurityobject (and not
// be a person or POSIX account).
func CheckEntry(e *directory.Entry, suffix string) error {
	if err := CheckDN(e.DN, suffix); err != nil {
		return err
	}
	if !e.HasObjectClass("account") || !e.HasObjectClass("simplesecurityobject") {
		return &NotSysaccountError{DN: e.DN, Reason: "not a service bind dn (objectClass account and simplesecurityobject required)"}
	}
	for _, oc := range []string{"person", "posixAccount", "krbPrincipalAux"} {
		if e.HasObjectClass(oc) {
			return &NotSysaccountError{DN: e.DN, Reason: "not a service bind dn (it is a " + oc + " entry)"}
		}
	}
	return nil
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

func fill(attr string, vals []string, pw string) []string {
	if !strings.EqualFold(attr, "userPassword") {
		return vals
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = v
		if v == Hidden {
			out[i] = pw
		}
	}
	return out
}

func revealEntry(e *directory.Entry, pw string) *directory.Entry {
	c := &directory.Entry{DN: e.DN}
	for _, a := range e.Attributes {
		c.Attributes = append(c.Attributes, directory.Attribute{Name: a.Name, Values: fill(a.Name, a.Values, pw)})
	}
	return c
}

func revealMods(mods []directory.Mod, pw string) []directory.Mod {
	if len(mods) == 0 {
		return mods
	}
	c := make([]directory.Mod, len(mods))
	for i, m := range mods {
		c[i] = directory.Mod{Op: m.Op, Attr: m.Attr, Values: fill(m.Attr, m.Values, pw)}
	}
	return c
}

// errPlaceholderWrite stops a write that would store the placeholder itself.
func errPlaceholderWrite(dn string) error {
	return fmt.Errorf("write to %s: %w", dn, plan.ErrPlaceholder)
}

// Add implements directory.Client.
func (s *Secret) Add(ctx context.Context, e *directory.Entry) (string, error) {
	if directory.EqualDN(e.DN, s.DN) {
		e = revealEntry(e, s.Password)
	}
	for _, a := range e.Attributes {
		if holdsHidden(a.Values) {
			return "", errPlaceholderWrite(e.DN)
		}
	}
	return s.Client.Add(ctx, e)
}

// Modify implements directory.Client.
func (s *Secret) Modify(ctx context.Context, dn string, mods []directory.Mod) error {
	if directory.EqualDN(dn, s.DN) {
		mods = revealMods(mods, s.Password)
	}
	for _, m := range mods {
		if holdsHidden(m.Values) {
			return errPlaceholderWrite(dn)
		}
	}
	return s.Client.Modify(ctx, dn, mods)
}

func holdsHidden(vals []string) bool {
	for _, v := range vals {
		if v == Hidden {
			return true
		}
	}
	return false
}

// Reveal returns a copy of p in which the change to dn carries the real password pw
// instead of Hidden: the plan to render for --emit ldif, whose output goes only to a
// 0600 file or, on request, to stdout.
func Reveal(p *plan.Plan, dn, pw string) *plan.Plan {
	out := *p
	out.Changes = make([]plan.Change, len(p.Changes))
	for i, c := range p.Changes {
		if directory.EqualDN(c.DN, dn) {
			if c.Entry != nil {
				c.Entry = revealEntry(c.Entry, pw)
			}
			c.Mods = revealMods(c.Mods, pw)
		}
		out.Changes[i] = c
	}
	return &out
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

// Transaction keeps the wrapped backend's transaction (see directory.Transactor).
func (s *Secret) Transaction(ctx context.Context, fn func() error) error {
	return directory.InTransaction(ctx, s.Client, fn)
}
