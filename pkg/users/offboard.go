package users

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
)

// RefAttrs are the attributes that name a user directly: group and role membership,
// HBAC/sudo rule users, membership-manager rights, sudo run-as users, managedBy.
var RefAttrs = []string{"member", "memberUser", "memberManager", "ipaSudoRunAs", "managedBy"}

// ErrNotFound is returned for a login with no active user entry.
var ErrNotFound = errors.New("user not found")

// RefusedError is an offboarding the guard rails refuse (bind identity, last admin).
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return e.Reason }

// State is one user and every entry that names the user directly, read in one search.
type State struct {
	Suffix string
	Login  string
	DN     string
	User   *directory.Entry
	// Refs are the entries holding the user's DN in one of RefAttrs, in DN order.
	Refs []*directory.Entry
	// Tokens are OTP tokens owned by the user (read only when asked for).
	Tokens []*directory.Entry
	// TokensRead reports whether Tokens was searched.
	TokensRead bool
	// Admins are the accounts in admins (directly or nested), with nsAccountLock.
	Admins []*directory.Entry
	// RuleNames maps every HBAC and sudo rule's normalized DN to its name (rule RDNs are
	// UUIDs), to name the rules the user reaches indirectly.
	RuleNames map[string]string
}

// Read collects, in one subtree search, the user entry (with memberOf, nsAccountLock and
// ipaSshPubKey) and every entry naming the user directly; withTokens adds the user's OTP
// tokens (ipatokenOwner) to the same search.
func Read(ctx context.Context, dir directory.Client, login string, withTokens bool) (*State, error) {
	suffix := dir.Suffix()
	dn := ipa.UserDN(login, suffix)
	fdn := directory.EscapeFilterValue(dn)
	var f strings.Builder
	f.WriteString("(|(&(objectClass=posixAccount)(uid=" + directory.EscapeFilterValue(login) + "))")
	for _, a := range RefAttrs {
		f.WriteString("(" + a + "=" + fdn + ")")
	}
	if withTokens {
		f.WriteString("(&(objectClass=ipaToken)(ipatokenOwner=" + fdn + "))")
	}
	f.WriteString("(&(objectClass=posixAccount)(memberOf=" + directory.EscapeFilterValue(ipa.GroupDN("admins", suffix)) + "))")
	f.WriteString("(objectClass=ipaHBACRule)(objectClass=ipaSudoRule))")
	attrs := []string{"objectClass", "cn", "uid", "memberOf", "nsAccountLock", "ipaSshPubKey", "uidNumber",
		"gidNumber", "givenName", "sn", "ipatokenOwner", "ipatokenDisabled", "ipatokenUniqueID"}
	attrs = append(attrs, RefAttrs...)
	es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: suffix, Scope: directory.ScopeSub,
		Filter: f.String(), Attributes: attrs})
	if err != nil {
		return nil, fmt.Errorf("read user %s: %w", login, err)
	}
	s := &State{Suffix: suffix, Login: login, DN: dn, TokensRead: withTokens, RuleNames: map[string]string{}}
	for _, e := range es {
		if e.HasObjectClass("posixAccount") && holds(e, "memberOf", ipa.GroupDN("admins", suffix)) {
			s.Admins = append(s.Admins, e)
		}
		if e.HasObjectClass("ipaHBACRule") || e.HasObjectClass("ipaSudoRule") {
			s.RuleNames[directory.NormalizeDN(e.DN)] = e.First("cn")
		}
		if directory.EqualDN(e.DN, dn) {
			s.User = e
		}
		if withTokens && e.HasObjectClass("ipaToken") && holds(e, "ipatokenOwner", dn) {
			s.Tokens = append(s.Tokens, e)
			continue
		}
		if len(refAttrsOf(e, dn)) > 0 {
			s.Refs = append(s.Refs, e)
		}
	}
	sort.Slice(s.Refs, func(i, j int) bool { return directory.NormalizeDN(s.Refs[i].DN) < directory.NormalizeDN(s.Refs[j].DN) })
	return s, nil
}

// holds reports whether e's attr holds dn (DN comparison) and returns the stored form.
func holds(e *directory.Entry, attr, dn string) bool { return directory.HasDN(e.Get(attr), dn) }

func storedValue(e *directory.Entry, attr, dn string) string {
	for _, v := range e.Get(attr) {
		if directory.EqualDN(v, dn) {
			return v
		}
	}
	return ""
}

// refAttrsOf lists the RefAttrs of e that hold dn.
func refAttrsOf(e *directory.Entry, dn string) []string {
	var out []string
	for _, a := range RefAttrs {
		if holds(e, a, dn) {
			out = append(out, a)
		}
	}
	return out
}

// KindOf names an entry's type from its place in the tree.
func KindOf(dn, suffix string) string {
	p := directory.Parent(dn)
	switch {
	case directory.EqualDN(p, directory.In(directory.Groups, suffix)):
		return "group"
	case directory.EqualDN(p, directory.In(directory.HBAC, suffix)):
		return "hbacrule"
	case directory.EqualDN(p, directory.In(directory.SudoRules, suffix)):
		return "sudorule"
	case directory.EqualDN(p, directory.In(directory.Roles, suffix)):
		return "role"
	case directory.EqualDN(p, directory.In(directory.Hostgroups, suffix)):
		return "hostgroup"
	case directory.EqualDN(p, directory.In(directory.Computers, suffix)):
		return "host"
	case directory.EqualDN(p, directory.In(directory.Services, suffix)):
		return "service"
	case directory.EqualDN(p, directory.In(directory.Users, suffix)):
		return "user"
	case directory.IsUnder(dn, directory.In("cn=pbac", suffix)):
		return "privilege"
	}
	return "entry"
}

// NameOf is an entry's display name: cn, else the RDN value.
func NameOf(e *directory.Entry) string {
	if cn := e.First("cn"); cn != "" {
		return cn
	}
	return directory.RDNValue(e.DN)
}

// ipaRemove is the `ipa` command that removes login from attr of an entry of kind.
func ipaRemove(kind, name, attr, login string) string {
	a := strings.ToLower(attr)
	switch {
	case (kind == "group" || kind == "role") && a == "member":
		return ipa.Command(kind+"-remove-member", name, "--users="+login)
	case (kind == "group" || kind == "hostgroup") && a == "membermanager":
		return ipa.Command(kind+"-remove-member-manager", name, "--users="+login)
	case (kind == "hbacrule" || kind == "sudorule") && a == "memberuser":
		return ipa.Command(kind+"-remove-user", name, "--users="+login)
	case kind == "sudorule" && a == "ipasudorunas":
		return ipa.Command("sudorule-remove-runasuser", name, "--users="+login)
	}
	return ""
}

// ipaAdd is the `ipa` command that puts login back into attr of an entry of kind.
func ipaAdd(kind, name, attr, login string) string {
	s := ipaRemove(kind, name, attr, login)
	return strings.Replace(s, "-remove-", "-add-", 1)
}

// Removal is one reference to the user that offboarding removed.
type Removal struct {
	DN    string `json:"dn" yaml:"dn"`
	Kind  string `json:"kind" yaml:"kind"`
	Name  string `json:"name" yaml:"name"`
	Attr  string `json:"attr" yaml:"attr"`
	Value string `json:"value" yaml:"value"`
}

// TokenChange is one OTP token offboarding disabled.
type TokenChange struct {
	DN     string   `json:"dn" yaml:"dn"`
	Before []string `json:"before,omitempty" yaml:"before,omitempty"`
}

// Before is the user's own state before offboarding.
type Before struct {
	NSAccountLock []string `json:"nsaccountlock" yaml:"nsaccountlock"`
	SSHPubKeys    []string `json:"ipasshpubkey" yaml:"ipasshpubkey"`
	MemberOf      []string `json:"memberof" yaml:"memberof"`
}

// OffboardOptions are the offboarding choices and the operator's identity.
type OffboardOptions struct {
	RemoveSSHKeys bool
	DisableOTP    bool
	// BindDN is who runs it (directory.Identifier); the user may not offboard themself.
	BindDN string
}

// Plan is an offboarding (or reinstatement) plan with the record of what it changes.
type Outcome struct {
	Plan   *plan.Plan
	Record *Record
}

func userModChange(s *State) plan.Change {
	return plan.Change{Action: plan.Modify, Kind: "user", Name: s.Login, DN: s.User.DN, Before: map[string][]string{}}
}

// PlanOffboard plans ITTN-010 §8 for one user: disable (nsAccountLock TRUE), then one
// modify per entry naming the user directly, removing the user's DN (groups including
// ipausers, cluster, -sudo and -sudoto- groups; HBAC and sudo rules; membership-manager
// rights; roles); never a delete. UID/GID and the private group stay. The record lists
// exactly what the plan removes; an empty plan means nothing is left to do.
func PlanOffboard(s *State, o OffboardOptions) (*Outcome, error) {
	if s.User == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, s.Login)
	}
	if isSelf(o.BindDN, s.Login, s.User.DN) {
		return nil, &RefusedError{Reason: fmt.Sprintf("refusing to offboard %s: it is the identity this command is bound as", s.Login)}
	}
	// The last active member of admins (direct or nested) may not go: nobody could
	// administer the directory afterwards.
	adminsDN := ipa.GroupDN("admins", s.Suffix)
	if holds(s.User, "memberOf", adminsDN) || (len(s.Refs) > 0 && isDirectAdmin(s, adminsDN)) {
		others := 0
		for _, a := range s.Admins {
			if !directory.EqualDN(a.DN, s.DN) && Status(a) == "active" {
				others++
			}
		}
		if others == 0 {
			return nil, &RefusedError{Reason: fmt.Sprintf("refusing to offboard %s: it is the last active member of admins", s.Login)}
		}
	}
	rec := &Record{Version: RecordVersion, Login: s.Login, DN: s.User.DN, Operator: o.BindDN,
		UIDNumber: s.User.First("uidNumber"), GIDNumber: s.User.First("gidNumber"),
		Before: Before{NSAccountLock: s.User.Get("nsAccountLock"), SSHPubKeys: s.User.Get("ipaSshPubKey"),
			MemberOf: s.User.Get("memberOf")}}
	p := &plan.Plan{Title: "offboard user " + s.Login}

	uc := userModChange(s)
	if !strings.EqualFold(s.User.First("nsAccountLock"), "TRUE") {
		uc.Mods = append(uc.Mods, directory.Mod{Op: directory.ModReplace, Attr: "nsAccountLock", Values: []string{"TRUE"}})
		uc.Before["nsaccountlock"] = s.User.Get("nsAccountLock")
		uc.IPA = append(uc.IPA, ipa.Command("user-disable", s.Login))
		uc.Notes = append(uc.Notes, "disable the account (never deleted: UID "+rec.UIDNumber+", GID "+rec.GIDNumber+" and the private group stay)")
		rec.Disabled = true
	}
	if keys := s.User.Get("ipaSshPubKey"); o.RemoveSSHKeys && len(keys) > 0 {
		uc.Mods = append(uc.Mods, directory.Mod{Op: directory.ModDelete, Attr: "ipaSshPubKey", Values: keys})
		uc.IPA = append(uc.IPA, ipa.Command("user-mod", s.Login, "--sshpubkey="))
		rec.SSHKeysRemoved = keys
	}
	if len(uc.Mods) > 0 {
		uc.Removes = true
		p.Add(uc)
	} else {
		p.Add(plan.Change{Action: plan.Unchanged, Kind: "user", Name: s.Login, DN: s.User.DN, Notes: []string{"already disabled"}})
	}

	direct := map[string]bool{}
	for _, e := range s.Refs {
		direct[directory.NormalizeDN(e.DN)] = true
		kind, name := KindOf(e.DN, s.Suffix), NameOf(e)
		c := plan.Change{Action: plan.Modify, Kind: kind, Name: name, DN: e.DN, Removes: true}
		for _, a := range refAttrsOf(e, s.DN) {
			v := storedValue(e, a, s.DN)
			c.Mods = append(c.Mods, directory.Mod{Op: directory.ModDelete, Attr: a, Values: []string{v}})
			if cmd := ipaRemove(kind, name, a, s.Login); cmd != "" {
				c.IPA = append(c.IPA, cmd)
			}
			c.Notes = append(c.Notes, describeRef(kind, a))
			rec.Removed = append(rec.Removed, Removal{DN: e.DN, Kind: kind, Name: name, Attr: a, Value: v})
		}
		p.Add(c)
	}

	if o.DisableOTP {
		if len(s.Tokens) == 0 {
			p.Info = append(p.Info, "--disable-otp: the user owns no OTP tokens")
		}
		for _, t := range s.Tokens {
			if strings.EqualFold(t.First("ipatokenDisabled"), "TRUE") {
				continue
			}
			id := t.First("ipatokenUniqueID")
			p.Add(plan.Change{Action: plan.Modify, Kind: "otptoken", Name: id, DN: t.DN, Removes: true,
				Mods:   []directory.Mod{{Op: directory.ModReplace, Attr: "ipatokenDisabled", Values: []string{"TRUE"}}},
				Before: map[string][]string{"ipatokendisabled": t.Get("ipatokenDisabled")},
				IPA:    []string{ipa.Command("otptoken-mod", id, "--disabled=True")}})
			rec.TokensDisabled = append(rec.TokensDisabled, TokenChange{DN: t.DN, Before: t.Get("ipatokenDisabled")})
		}
	}

	// Indirect access: everything in memberOf that is not a direct reference goes with
	// the direct memberships (nested groups, rules and roles reached through groups).
	var indirect []string
	for _, m := range s.User.Get("memberOf") {
		if direct[directory.NormalizeDN(m)] {
			continue
		}
		name := directory.RDNValue(m)
		if n, ok := s.RuleNames[directory.NormalizeDN(m)]; ok && n != "" {
			name = n
		}
		indirect = append(indirect, KindOf(m, s.Suffix)+" "+name)
		rec.Indirect = append(rec.Indirect, m)
	}
	sort.Strings(indirect)
	if len(indirect) > 0 && !p.Empty() {
		p.Info = append(p.Info, "indirect access that goes away with these memberships: "+strings.Join(indirect, ", "))
	}
	return &Outcome{Plan: p, Record: rec}, nil
}

func describeRef(kind, attr string) string {
	switch strings.ToLower(attr) {
	case "member":
		return "remove the user from " + kind + " members"
	case "memberuser":
		return "remove the user from the rule's users"
	case "membermanager":
		return "remove the user's right to manage this " + kind + "'s members"
	case "ipasudorunas":
		return "remove the user as a run-as user of the rule"
	case "managedby":
		return "remove the user from managedBy"
	}
	return "remove the user from " + attr
}

// PlanReinstate plans undoing an offboarding exactly as the record describes it:
// restore nsAccountLock's prior value, SSH keys and OTP token states removed, and every
// reference removed (one modify per entry). References already back are left alone.
func PlanReinstate(s *State, r *Record) (*plan.Plan, error) {
	if s.User == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, s.Login)
	}
	if !directory.EqualDN(s.User.DN, r.DN) || !strings.EqualFold(r.Login, s.Login) {
		return nil, fmt.Errorf("record is for %s (%s), not %s", r.Login, r.DN, s.Login)
	}
	// Refused as a whole, before any change, when anything in it is not a restoration of
	// the user's own state.
	if err := CheckRecord(r, s.Suffix); err != nil {
		return nil, err
	}
	p := &plan.Plan{Title: "reinstate user " + s.Login}
	uc := userModChange(s)
	if r.Disabled {
		cur := s.User.Get("nsAccountLock")
		switch {
		case len(r.Before.NSAccountLock) == 0 && len(cur) > 0:
			uc.Mods = append(uc.Mods, directory.Mod{Op: directory.ModDelete, Attr: "nsAccountLock"})
			uc.Before["nsaccountlock"] = cur
		case len(r.Before.NSAccountLock) > 0 && !sameValues(cur, r.Before.NSAccountLock):
			uc.Mods = append(uc.Mods, directory.Mod{Op: directory.ModReplace, Attr: "nsAccountLock", Values: r.Before.NSAccountLock})
			uc.Before["nsaccountlock"] = cur
		}
		if len(uc.Mods) > 0 {
			uc.IPA = append(uc.IPA, ipa.Command("user-enable", s.Login))
			uc.Notes = append(uc.Notes, "re-enable the account")
		}
	}
	var keys []string
	for _, k := range r.SSHKeysRemoved {
		if !s.User.Has("ipaSshPubKey", k) {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		uc.Mods = append(uc.Mods, directory.Mod{Op: directory.ModAdd, Attr: "ipaSshPubKey", Values: keys})
		args := []string{"user-mod", s.Login}
		for _, k := range append(s.User.Get("ipaSshPubKey"), keys...) {
			args = append(args, "--sshpubkey="+k)
		}
		uc.IPA = append(uc.IPA, ipa.Command(args...))
	}
	if len(uc.Mods) > 0 {
		p.Add(uc)
	} else {
		p.Add(plan.Change{Action: plan.Unchanged, Kind: "user", Name: s.Login, DN: s.User.DN})
	}

	cur := map[string]*directory.Entry{}
	for _, e := range s.Refs {
		cur[directory.NormalizeDN(e.DN)] = e
	}
	var order []string
	byDN := map[string]*plan.Change{}
	for _, rm := range r.Removed {
		k := directory.NormalizeDN(rm.DN)
		if e, ok := cur[k]; ok && holds(e, rm.Attr, s.DN) {
			continue
		}
		c, ok := byDN[k]
		if !ok {
			c = &plan.Change{Action: plan.Modify, Kind: rm.Kind, Name: rm.Name, DN: rm.DN}
			byDN[k] = c
			order = append(order, k)
		}
		c.Mods = append(c.Mods, directory.Mod{Op: directory.ModAdd, Attr: rm.Attr, Values: []string{rm.Value}})
		if cmd := ipaAdd(rm.Kind, rm.Name, rm.Attr, s.Login); cmd != "" {
			c.IPA = append(c.IPA, cmd)
		}
	}
	for _, k := range order {
		p.Add(*byDN[k])
	}
	if _, ok := byDN[directory.NormalizeDN(ipa.GroupDN("admins", s.Suffix))]; ok {
		p.Warn("this restores " + s.Login + "'s membership in admins (full administration of the directory), as the record says offboarding removed it")
	}
	tokens := map[string]*directory.Entry{}
	for _, t := range s.Tokens {
		tokens[directory.NormalizeDN(t.DN)] = t
	}
	for _, tc := range r.TokensDisabled {
		t, ok := tokens[directory.NormalizeDN(tc.DN)]
		if !ok {
			p.Warn("OTP token " + tc.DN + " is no longer owned by the user; left alone")
			continue
		}
		if sameValues(t.Get("ipatokenDisabled"), tc.Before) {
			continue
		}
		c := plan.Change{Action: plan.Modify, Kind: "otptoken", Name: t.First("ipatokenUniqueID"), DN: t.DN,
			Before: map[string][]string{"ipatokendisabled": t.Get("ipatokenDisabled")}}
		if len(tc.Before) == 0 {
			c.Mods = []directory.Mod{{Op: directory.ModDelete, Attr: "ipatokenDisabled"}}
		} else {
			c.Mods = []directory.Mod{{Op: directory.ModReplace, Attr: "ipatokenDisabled", Values: tc.Before}}
		}
		p.Add(c)
	}
	return p, nil
}

func sameValues(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, v := range a {
		m[strings.ToLower(v)]++
	}
	for _, v := range b {
		m[strings.ToLower(v)]--
		if m[strings.ToLower(v)] < 0 {
			return false
		}
	}
	return true
}

// isSelf reports whether the bind identity (a DN, or a principal/name when the server
// reports one) is the user.
func isSelf(bind, login, dn string) bool {
	if bind == "" {
		return false
	}
	if strings.Contains(bind, "=") {
		return directory.EqualDN(bind, dn)
	}
	return strings.EqualFold(strings.SplitN(bind, "@", 2)[0], login)
}

func isDirectAdmin(s *State, adminsDN string) bool {
	for _, e := range s.Refs {
		if directory.EqualDN(e.DN, adminsDN) && holds(e, "member", s.DN) {
			return true
		}
	}
	return false
}
