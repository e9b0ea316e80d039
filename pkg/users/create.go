// Package users holds the domain logic of the user commands: the regular user entry in
// exactly the shape `ipa user-add` gives it, the one read an offboarding needs, the
// offboarding and reinstatement plans, the offboarding record, and the user views
// (ITTN-010 §6, §7.1, §8). Directory reads are single searches; the planners are pure.
package users

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/realm"
)

// DefaultUserObjectClasses is FreeIPA's default ipaUserObjectClasses (bootstrap-template.ldif
// plus 50-ipaconfig.update), used when cn=ipaConfig cannot be read.
var DefaultUserObjectClasses = []string{"top", "person", "organizationalperson", "inetorgperson",
	"inetuser", "posixaccount", "krbprincipalaux", "krbticketpolicyaux", "ipaobject", "ipasshuser"}

// IPAConfig holds the cn=ipaConfig values user-add uses.
type IPAConfig struct {
	UserObjectClasses []string
	HomesRootDir      string
	DefaultShell      string
	EmailDomain       string
	PrimaryGroup      string
	MaxUsernameLength int
}

// ConfigFrom reads cn=ipaConfig's values (e may be nil), falling back to FreeIPA's defaults.
func ConfigFrom(e *directory.Entry) IPAConfig {
	c := IPAConfig{UserObjectClasses: DefaultUserObjectClasses, HomesRootDir: "/home",
		DefaultShell: "/bin/sh", PrimaryGroup: "ipausers", MaxUsernameLength: 32}
	if e == nil {
		return c
	}
	if v := e.Get("ipaUserObjectClasses"); len(v) > 0 {
		c.UserObjectClasses = v
	}
	if v := e.First("ipaHomesRootDir"); v != "" {
		c.HomesRootDir = strings.TrimRight(v, "/")
	}
	if v := e.First("ipaDefaultLoginShell"); v != "" {
		c.DefaultShell = v
	}
	c.EmailDomain = e.First("ipaDefaultEmailDomain")
	if v := e.First("ipaDefaultPrimaryGroup"); v != "" {
		c.PrimaryGroup = v
	}
	if n, err := strconv.Atoi(e.First("ipaMaxUsernameLength")); err == nil && n > 0 {
		c.MaxUsernameLength = n
	}
	return c
}

// Spec is one `user create`.
type Spec struct {
	Login, First, Last, Email string
	Realm                     string
	// UID is the uidNumber (and gidNumber, UPG): ipa.DNAMagic or an explicit number.
	UID string
	// GID is the gidNumber when it is not UID: without user private groups, the default
	// group's (user-add's pre_callback).
	GID     string
	SSHKeys []string
}

// Entry builds the user entry `ipa user-add LOGIN --first F --last L [--email E]
// [--sshpubkey K]` sends (freeipa-ldap.md §2.1, §5b): no password.
func Entry(s Spec, cfg IPAConfig, suffix string) *directory.Entry {
	full := s.First + " " + s.Last
	e := directory.NewEntry(ipa.UserDN(s.Login, suffix),
		directory.A("objectClass", cfg.UserObjectClasses...),
		directory.A("uid", s.Login),
		directory.A("givenName", s.First),
		directory.A("sn", s.Last),
		directory.A("cn", full),
		directory.A("displayName", full),
		directory.A("initials", initials(s.First, s.Last)),
		directory.A("gecos", full),
		directory.A("homeDirectory", cfg.HomesRootDir+"/"+s.Login),
		directory.A("loginShell", cfg.DefaultShell),
		directory.A("uidNumber", s.UID),
		directory.A("gidNumber", s.UID),
	)
	if s.GID != "" {
		e.Set("gidNumber", s.GID)
	}
	if s.Realm != "" {
		e.Set("krbPrincipalName", s.Login+"@"+s.Realm)
		e.Set("krbCanonicalName", s.Login+"@"+s.Realm)
	}
	mail := s.Email
	if mail == "" && cfg.EmailDomain != "" {
		mail = s.Login + "@" + cfg.EmailDomain
	}
	e.Set("mail", mail)
	e.Set("ipaUniqueID", ipa.Autogenerate)
	e.Set("ipaSshPubKey", s.SSHKeys...)
	return e
}

func initials(first, last string) string {
	var b strings.Builder
	for _, s := range []string{first, last} {
		for _, r := range s {
			b.WriteRune(r)
			break
		}
	}
	return b.String()
}

// CreateState is what `user create` reads in one search.
type CreateState struct {
	Suffix   string
	Config   *directory.Entry
	Ranges   []*directory.Entry
	Realm    string             // the directory's Kerberos realm (cn=REALM,cn=kerberos), "" when none
	Existing []*directory.Entry // entries with uid=LOGIN (anywhere) or the UPG name
	Groups   map[string]*directory.Entry
	// UPGDef is the managed-entries definition of user private groups (nil: not readable).
	UPGDef *directory.Entry
}

// UPGDefinition is the RDN chain, under the suffix, of the managed-entries definition
// that makes user private groups (ipaserver/plugins/ldap2.py has_upg).
const UPGDefinition = "cn=UPG Definition,cn=Definitions,cn=Managed Entries,cn=etc"

// upgDisabled is what FreeIPA looks for in the definition's originFilter (ldap2.has_upg:
// re.search(r'(objectclass=disable)'), where the parentheses are a regex group, so the
// test is a case-sensitive substring "objectclass=disable"); ipa-managed-entries disable
// ANDs "(objectclass=disable)" into the filter.
const upgDisabled = "objectclass=disable"

// HasUPG answers FreeIPA's ldap2.has_upg: user private groups are on unless the UPG
// definition's originFilter contains (objectclass=disable). A definition or originFilter
// that cannot be read is an error, not "off" (has_upg raises an ACI error).
func (s *CreateState) HasUPG() (bool, error) {
	if s.UPGDef == nil || s.UPGDef.First("originFilter") == "" {
		return false, fmt.Errorf("cannot read the user private group definition %s: whether user-add makes a private group is unknown (ask an admin for read access to it)",
			directory.In(UPGDefinition, s.Suffix))
	}
	return !strings.Contains(s.UPGDef.First("originFilter"), upgDisabled), nil
}

// ReadCreate reads, in one search, cn=ipaConfig, the ID ranges, the realm container,
// anything already named
// login (user or private group) and the groups named (lower-case cn → entry).
func ReadCreate(ctx context.Context, dir directory.Client, login string, groups []string) (*CreateState, error) {
	suffix := dir.Suffix()
	var gf strings.Builder
	for _, g := range groups {
		gf.WriteString("(cn=" + directory.EscapeFilterValue(g) + ")")
	}
	l := directory.EscapeFilterValue(login)
	filter := "(|(&(objectClass=ipaConfigObject)(cn=ipaConfig))(objectClass=ipaIDrange)" + realm.Filter + "(uid=" + l + ")" +
		"(&(objectClass=extensibleObject)(cn=UPG Definition))" +
		"(&(objectClass=posixGroup)(cn=" + l + "))(&(objectClass=ipaUserGroup)(|" + gf.String() + ")))"
	es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: suffix, Scope: directory.ScopeSub, Filter: filter,
		Attributes: []string{"*", "nsAccountLock"}})
	if err != nil {
		return nil, fmt.Errorf("read user %s state: %w", login, err)
	}
	s := &CreateState{Suffix: suffix, Groups: map[string]*directory.Entry{}, Realm: realm.FromEntries(es, suffix)}
	cfgDN := directory.In("cn=ipaConfig,cn=etc", suffix)
	upgDN := directory.In(UPGDefinition, suffix)
	for _, e := range es {
		switch {
		case directory.EqualDN(e.DN, cfgDN):
			s.Config = e
		case directory.EqualDN(e.DN, upgDN):
			s.UPGDef = e
		case e.HasObjectClass("ipaIDrange"):
			s.Ranges = append(s.Ranges, e)
		case strings.EqualFold(e.First("uid"), login) || (e.HasObjectClass("posixGroup") && strings.EqualFold(e.First("cn"), login)):
			s.Existing = append(s.Existing, e)
		}
		if e.HasObjectClass("ipaUserGroup") && directory.EqualDN(directory.Parent(e.DN), directory.In(directory.Groups, suffix)) {
			s.Groups[strings.ToLower(e.First("cn"))] = e
		}
	}
	// The default group is ipaConfig's (ipausers unless changed): read it when the first
	// search could not know its name.
	if pg := ConfigFrom(s.Config).PrimaryGroup; s.Groups[strings.ToLower(pg)] == nil {
		es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.Groups, suffix), Scope: directory.ScopeOne,
			Filter: "(&(objectClass=ipaUserGroup)(cn=" + directory.EscapeFilterValue(pg) + "))", Attributes: []string{"*"}})
		if err != nil {
			return nil, fmt.Errorf("read default group %s: %w", pg, err)
		}
		for _, e := range es {
			s.Groups[strings.ToLower(e.First("cn"))] = e
		}
	}
	return s, nil
}

// CreateOptions are the choices of one `user create`.
type CreateOptions struct {
	Spec
	// Groups are the groups to add the user to besides the default primary group.
	Groups []string
}

// PlanCreate plans `user create`: the user entry, membership of ipausers (user-add's
// post_callback), and of each named group, which must exist. All or nothing.
func PlanCreate(s *CreateState, o CreateOptions) (*plan.Plan, error) {
	// The groups named for access must be ones accessctl manages: never FreeIPA's own
	// (admins, editors, ...). The default primary group is added as ipa user-add does.
	for _, g := range o.Groups {
		if err := ipa.CheckManageable(ipa.KindGroup, g, s.Groups[strings.ToLower(g)]); err != nil {
			return nil, err
		}
	}
	upg, err := s.HasUPG()
	if err != nil {
		return nil, err
	}
	cfg := ConfigFrom(s.Config)
	for _, e := range s.Existing {
		if e.HasObjectClass("posixGroup") && !e.HasObjectClass("posixAccount") {
			if !upg {
				continue // no private group: a group of that name does not clash
			}
			return nil, fmt.Errorf("a group named %q already exists (the user private group would clash)", o.Login)
		}
		return nil, fmt.Errorf("user %q already exists (%s)", o.Login, e.DN)
	}
	if len(o.Login) > cfg.MaxUsernameLength {
		return nil, fmt.Errorf("login %q is longer than the directory's maximum of %d", o.Login, cfg.MaxUsernameLength)
	}
	spec := o.Spec
	var defGID string
	if !upg {
		// user-add without UPG: the user's primary group is the default group, which must
		// be POSIX (stock ipausers is not).
		g := s.Groups[strings.ToLower(cfg.PrimaryGroup)]
		if g == nil {
			return nil, fmt.Errorf("user private groups are off and the default group for new users (%s) does not exist", cfg.PrimaryGroup)
		}
		if defGID = g.First("gidNumber"); defGID == "" {
			return nil, fmt.Errorf("user private groups are off and the default group for new users (%s) is not POSIX: it has no GID to give %s (FreeIPA's user-add refuses the same)", cfg.PrimaryGroup, o.Login)
		}
		spec.GID = defGID
	}
	p := &plan.Plan{Title: "create user " + o.Login}
	e := Entry(spec, cfg, s.Suffix)
	args := []string{"user-add", o.Login, "--first=" + o.First, "--last=" + o.Last}
	if o.Email != "" {
		args = append(args, "--email="+o.Email)
	}
	if spec.UID != ipa.DNAMagic {
		args = append(args, "--uid="+spec.UID)
		if upg {
			args = append(args, "--gidnumber="+spec.UID)
		}
	}
	for _, k := range spec.SSHKeys {
		args = append(args, "--sshpubkey="+k)
	}
	c := plan.Change{Action: plan.Create, Kind: "user", Name: o.Login, DN: e.DN, Entry: e,
		IPA: []string{ipa.Command(args...)}}
	if spec.UID == ipa.DNAMagic {
		c.Notes = append(c.Notes, "uidNumber/gidNumber -1: the server's DNA plugin assigns the next ID of the realm's range")
	}
	if upg {
		c.Notes = append(c.Notes, "the server's managed-entries plugin creates the private group "+o.Login+" (GID = UID)")
	} else {
		c.Notes = append(c.Notes, "user private groups are off (UPG definition disabled): no private group; gidNumber "+defGID+" is the default group "+cfg.PrimaryGroup+"'s")
	}
	p.Add(c)
	userDN := e.DN
	groups := append([]string{cfg.PrimaryGroup}, o.Groups...)
	seen := map[string]bool{}
	var missing []string
	for _, g := range groups {
		lg := strings.ToLower(g)
		if seen[lg] {
			continue
		}
		seen[lg] = true
		ge, ok := s.Groups[lg]
		if !ok {
			missing = append(missing, g)
			continue
		}
		c := plan.Change{Action: plan.Modify, Kind: "group", Name: ge.First("cn"), DN: ge.DN,
			Mods: []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{userDN}}}}
		if lg == strings.ToLower(cfg.PrimaryGroup) {
			c.Notes = []string{"default primary group (ipa user-add adds the user itself)"}
		} else {
			c.IPA = []string{ipa.Command("group-add-member", ge.First("cn"), "--users="+o.Login)}
		}
		p.Add(c)
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("group(s) %s do not exist", strings.Join(missing, ", "))
	}
	return p, nil
}
