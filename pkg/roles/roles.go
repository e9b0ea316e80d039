// Package roles plans and audits role accounts (ITTN-010 §5, §7.2): the role user with
// UID == GID from a role range, its membership in the hostgroup's user group, and the
// "<hostgroup>-sudoto-<role>" group and sudo rule that let people become it with sudo,
// without a passphrase.
package roles

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/idrange"
	"github.com/accessctl/accessctl/pkg/ids"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/realm"
	"github.com/accessctl/accessctl/pkg/siteconv"
	"github.com/accessctl/accessctl/pkg/users"
)

// ErrInput marks planning errors caused by the operator's input (exit 2).
var ErrInput = errors.New("bad input")

func inputf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInput, fmt.Sprintf(format, args...))
}

// Msg strips the ErrInput prefix for display.
func Msg(err error) string { return strings.TrimPrefix(err.Error(), ErrInput.Error()+": ") }

// State is what `role create` needs, read up front.
type State struct {
	Suffix string
	// Realm is the directory's Kerberos realm (cn=REALM,cn=kerberos) after Read; the
	// command resolves it with the configured one (cmdutil.ResolveRealm) before planning.
	Realm                   string
	Role, Hostgroup         string
	SudotoGroup, SudotoRule string

	User         *directory.Entry // uid=ROLE under cn=users
	OtherUser    *directory.Entry // a staged or preserved user of the same name
	UserGroup    *directory.Entry // the user group named HG
	HostgroupE   *directory.Entry
	SudotoGroupE *directory.Entry
	SudoRuleE    *directory.Entry
	IPAUsers     *directory.Entry
	Config       *directory.Entry // cn=ipaConfig: the user builder's object classes, mail domain, home root
	IDs          *ids.State
}

// userAttrs are read for users (operational memberOf named).
var userAttrs = []string{"*", "memberOf"}

// Read reads the role, its hostgroup objects and the ID state: one search for the
// objects, three for the IDs (holders, FreeIPA ranges, marks).
func Read(ctx context.Context, dir directory.Client, conv *siteconv.Conventions, role, hg string) (*State, error) {
	s := &State{Suffix: dir.Suffix(), Role: role, Hostgroup: hg}
	s.SudotoGroup, s.SudotoRule = conv.SudotoNames(hg, role)
	esc := directory.EscapeFilterValue
	filter := fmt.Sprintf("(|(&(objectClass=posixAccount)(uid=%s))(&(objectClass=ipaUserGroup)(|(cn=%s)(cn=%s)(cn=ipausers)))"+
		"(&(objectClass=ipaHostgroup)(cn=%s))(&(objectClass=ipaSudoRule)(cn=%s))(&(objectClass=ipaConfigObject)(cn=ipaConfig))"+realm.Filter+")",
		esc(role), esc(hg), esc(s.SudotoGroup), esc(hg), esc(s.SudotoRule))
	entries, err := dir.Search(ctx, directory.SearchRequest{BaseDN: s.Suffix, Scope: directory.ScopeSub, Filter: filter, Attributes: userAttrs})
	if err != nil {
		return nil, fmt.Errorf("read role %s on %s: %w", role, hg, err)
	}
	users := directory.In(directory.Users, s.Suffix)
	groups := directory.In(directory.Groups, s.Suffix)
	for _, e := range entries {
		cn := e.First("cn")
		switch {
		case e.HasObjectClass("krbRealmContainer"):
			continue // realm.FromEntries below
		case e.HasObjectClass("ipaConfigObject"):
			s.Config = e
		case e.HasObjectClass("posixAccount"):
			if directory.EqualDN(directory.Parent(e.DN), users) {
				s.User = e
			} else {
				s.OtherUser = e
			}
		case e.HasObjectClass("ipaHostgroup"):
			s.HostgroupE = e
		case e.HasObjectClass("ipaSudoRule"):
			s.SudoRuleE = e
		case e.HasObjectClass("ipaUserGroup") && directory.EqualDN(directory.Parent(e.DN), groups):
			switch {
			case strings.EqualFold(cn, s.SudotoGroup):
				s.SudotoGroupE = e
			case strings.EqualFold(cn, hg):
				s.UserGroup = e
			case strings.EqualFold(cn, "ipausers"):
				s.IPAUsers = e
			}
		}
	}
	s.Realm = realm.FromEntries(entries, s.Suffix)
	if s.IDs, err = ids.Read(ctx, dir); err != nil {
		return nil, err
	}
	return s, nil
}

// CreateOptions are the inputs of PlanCreate.
type CreateOptions struct {
	Range      string // "" = the range of the reserved ID, else conv.Role.DefaultRange
	RangeGiven bool
	ID         int // 0 = choose
}

// UserEntry is the role user in the shape of `ipa user-add ROLE --first=ROLE --last=role
// --uid=N --gidnumber=N --shell=/bin/bash` (freeipa-ldap.md §2.1, §5b), built by the same
// builder as `user create` (users.Entry) from cn=ipaConfig (nil: FreeIPA's defaults), so
// the two never differ: no password, no SSH keys; the server's MEP plugin adds the
// private group with gidNumber N.
func UserEntry(role string, id int, realm, suffix string, config *directory.Entry) *directory.Entry {
	n := strconv.Itoa(id)
	e := users.Entry(users.Spec{Login: role, First: role, Last: "role", Realm: realm, UID: n}, users.ConfigFrom(config), suffix)
	e.Set("loginShell", "/bin/bash")
	return e
}

// SudoRuleEntry is the sudo rule of ITTN-010 §5: run as ROLE only, all commands, without
// a passphrase, for the sudoto group on the hostgroup.
func SudoRuleEntry(conv *siteconv.Conventions, role, hg, suffix string) *directory.Entry {
	group, rule := conv.SudotoNames(hg, role)
	return ipa.SudoRule(ipa.SudoRuleSpec{Name: rule, CmdAll: true,
		UserDNs: []string{ipa.GroupDN(group, suffix)}, HostDNs: []string{ipa.HostgroupDN(hg, suffix)},
		RunAsUserDNs: []string{ipa.UserDN(role, suffix)}, Options: conv.Role.SudoOptions}, suffix)
}

// sudoRuleDiffs lists how an existing sudo rule differs from the §5 shape.
func sudoRuleDiffs(have, want *directory.Entry) []string {
	var out []string
	for _, a := range []string{"cmdCategory", "memberUser", "memberHost", "ipaSudoRunAs", "ipaSudoOpt", "ipaEnabledFlag",
		"ipaSudoRunAsUserCategory", "ipaSudoRunAsGroupCategory", "userCategory", "hostCategory", "ipaSudoRunAsGroup",
		"ipaSudoRunAsExtUser", "memberAllowCmd", "memberDenyCmd"} {
		if !directory.SameDNs(have.Get(a), want.Get(a)) {
			out = append(out, fmt.Sprintf("%s is %s, want %s", a, show(have.Get(a)), show(want.Get(a))))
		}
	}
	return out
}

func show(v []string) string {
	if len(v) == 0 {
		return "(none)"
	}
	return strings.Join(v, "; ")
}

// ChooseID picks the role's UID/GID: the existing account's, the reserved one, --id, or
// the next free one of the range above its high-water mark. claim reports whether the
// range's mark must move (a new ID handed out of the range).
func ChooseID(s *State, conv *siteconv.Conventions, o CreateOptions) (id int, r idrange.Range, claim bool, err error) {
	res := ids.Reservations(conv)
	rangeName := o.Range
	if rangeName == "" {
		rangeName = conv.Role.DefaultRange
	}
	reserved, isReserved := conv.Reserved(s.Role)
	if isReserved && !o.RangeGiven {
		if rr, ok := idrange.RangeOf(reserved, ids.Ranges(conv)); ok {
			rangeName = rr.Name
		}
	}
	if r, err = ids.Range(conv, rangeName); err != nil {
		return 0, r, false, inputf("%s", err.Error())
	}
	if s.User != nil {
		uid, _ := strconv.Atoi(s.User.First("uidNumber"))
		gid, _ := strconv.Atoi(s.User.First("gidNumber"))
		if uid != gid {
			return 0, r, false, inputf("role user %s exists with uidNumber %d and gidNumber %d: the conventions want them equal", s.Role, uid, gid)
		}
		if o.ID != 0 && o.ID != uid {
			return 0, r, false, inputf("role user %s exists with id %d, not %d", s.Role, uid, o.ID)
		}
		if isReserved && uid != reserved {
			return 0, r, false, inputf("role user %s exists with id %d, but %d is reserved for it", s.Role, uid, reserved)
		}
		return uid, r, false, nil
	}
	used := s.IDs.Used()
	switch {
	case isReserved:
		if o.ID != 0 && o.ID != reserved {
			return 0, r, false, inputf("id %d is reserved for %s: --id %d would break the reservation", reserved, s.Role, o.ID)
		}
		if err := idrange.Check(r, reserved, s.Role, used, res); err != nil {
			return 0, r, false, inputf("reserved id of %s: %s", s.Role, err.Error())
		}
		return reserved, r, false, nil
	case o.ID != 0:
		if err := idrange.Check(r, o.ID, s.Role, used, res); err != nil {
			return 0, r, false, inputf("%s", err.Error())
		}
		if err := s.IDs.MarkErr(r.Name); err != nil {
			return 0, r, false, err
		}
		// Every ID at or below the mark was handed out, perhaps claimed (id next
		// --allocate) for an account not made yet: giving it here would hand it out twice.
		if hw := s.IDs.HighWater(r.Name); o.ID <= hw {
			return 0, r, false, inputf("id %d of range %s is at or below the range's high-water mark %d: it was handed out before "+
				"(claimed with accessctl id next --allocate, perhaps for an account not created yet) and is never handed out again; "+
				"give an id above %d, or leave out --id", o.ID, r.Name, hw, hw)
		}
		return o.ID, r, true, nil
	}
	next, err := s.IDs.Next(conv, r, 1)
	if errors.Is(err, ids.ErrBadMark) {
		return 0, r, false, err
	}
	if err != nil {
		return 0, r, false, inputf("%s", err.Error())
	}
	return next[0], r, true, nil
}

// PlanCreate plans `role create` (ITTN-010 §5) from the state: one plan, all or nothing;
// objects already there in the right shape are Unchanged.
func PlanCreate(s *State, conv *siteconv.Conventions, o CreateOptions) (*plan.Plan, error) {
	if err := s.manageable(conv, o); err != nil {
		return nil, err
	}
	if s.HostgroupE == nil {
		return nil, inputf("hostgroup %s does not exist", s.Hostgroup)
	}
	if s.UserGroup == nil {
		return nil, inputf("user group %s does not exist: the role joins the hostgroup's user group (accessctl cluster create %s)", s.Hostgroup, s.Hostgroup)
	}
	if s.User == nil && s.Realm == "" {
		return nil, inputf("no Kerberos realm for %s's principal: the directory has no cn=REALM,%s and none is configured (--realm)", s.Role, realm.Container)
	}
	if s.User == nil && s.OtherUser != nil {
		return nil, inputf("a staged or preserved user %s exists (%s): restore or remove it first", s.Role, s.OtherUser.DN)
	}
	id, r, claim, err := ChooseID(s, conv, o)
	if err != nil {
		return nil, err
	}
	if !s.IDs.Covered(id) {
		msg := fmt.Sprintf("id %d lies outside every FreeIPA ID range: %s would get no SID, which breaks Kerberos for it", id, s.Role)
		if fix := s.IDs.FixCommands(r); len(fix) > 0 {
			msg += "; cover range " + r.Name + " first: " + strings.Join(fix, " && ")
		}
		return nil, inputf("%s", msg)
	}
	suffix := s.Suffix
	userDN := ipa.UserDN(s.Role, suffix)
	p := &plan.Plan{Title: fmt.Sprintf("role %s on hostgroup %s", s.Role, s.Hostgroup)}
	p.Info = append(p.Info, fmt.Sprintf("uid = gid = %d (range %s)", id, r.Name))
	// claims: the highest ID this plan hands out of each range whose mark moves.
	claims := map[string]int{}
	if claim {
		claims[r.Name] = id
	}
	gid := ipa.DNAMagic
	if s.SudotoGroupE == nil {
		if gid, err = sudotoGID(s, conv, id, claims); err != nil {
			return nil, err
		}
	}
	// One compare-and-swap per range, past every ID of this plan (two swaps of one mark
	// would both start from the value read, and the second would always fail).
	containerPlanned := false
	for _, name := range sortedKeys(claims) {
		for _, c := range s.IDs.MarkChanges(name, claims[name], suffix) {
			if c.Kind == "idalloc" {
				if containerPlanned {
					continue
				}
				containerPlanned = true
			}
			c.Notes = append(c.Notes, "claims the id: it is never handed out again")
			p.Add(c)
		}
	}
	// 1. The role user.
	if s.User == nil {
		n := strconv.Itoa(id)
		p.Add(plan.Change{Action: plan.Create, Kind: "user", Name: s.Role, DN: userDN,
			Entry: UserEntry(s.Role, id, s.Realm, suffix, s.Config),
			Notes: []string{"role account: no password, no SSH keys"},
			IPA:   []string{ipa.Command("user-add", s.Role, "--first="+s.Role, "--last=role", "--uid="+n, "--gidnumber="+n, "--shell=/bin/bash")}})
		if s.IPAUsers != nil && !directory.HasDN(s.IPAUsers.Get("member"), userDN) {
			p.Add(plan.Change{Action: plan.Modify, Kind: "group", Name: "ipausers", DN: s.IPAUsers.DN,
				Mods:  []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{userDN}}},
				Notes: []string{"ipa user-add puts every user in ipausers"},
				IPA:   []string{"# (ipa user-add " + s.Role + " adds it to ipausers)"}})
		}
	} else {
		c := plan.Change{Action: plan.Unchanged, Kind: "user", Name: s.Role, DN: s.User.DN}
		if len(s.User.Get("ipaSshPubKey")) > 0 || len(s.User.Get("userPassword")) > 0 {
			c.Notes = append(c.Notes, "has a password or SSH keys: see accessctl role check")
		}
		p.Add(c)
	}
	// 2. Membership in the hostgroup's user group.
	if directory.HasDN(s.UserGroup.Get("member"), userDN) {
		p.Add(plan.Change{Action: plan.Unchanged, Kind: "group", Name: s.Hostgroup, DN: s.UserGroup.DN, Notes: []string{s.Role + " is a member"}})
	} else {
		p.Add(plan.Change{Action: plan.Modify, Kind: "group", Name: s.Hostgroup, DN: s.UserGroup.DN,
			Mods:  []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{userDN}}},
			Notes: []string{"add " + s.Role + " (the HBAC rules of " + s.Hostgroup + " let it log in there)"},
			IPA:   []string{ipa.Command("group-add-member", s.Hostgroup, "--users="+s.Role)}})
	}
	// 3. The sudoto group.
	if s.SudotoGroupE != nil {
		p.Add(plan.Change{Action: plan.Unchanged, Kind: "group", Name: s.SudotoGroup, DN: s.SudotoGroupE.DN})
	} else {
		desc := fmt.Sprintf("may sudo to %s on %s", s.Role, s.Hostgroup)
		cmd := []string{"group-add", s.SudotoGroup, "--desc=" + desc}
		if gid != ipa.DNAMagic {
			cmd = append(cmd, "--gid="+gid)
		}
		p.Add(plan.Change{Action: plan.Create, Kind: "group", Name: s.SudotoGroup, DN: ipa.GroupDN(s.SudotoGroup, suffix),
			Entry: ipa.PosixGroup(s.SudotoGroup, desc, gid, suffix), IPA: []string{ipa.Command(cmd...)}})
	}
	// 4. The sudo rule.
	want := SudoRuleEntry(conv, s.Role, s.Hostgroup, suffix)
	if s.SudoRuleE != nil {
		if d := sudoRuleDiffs(s.SudoRuleE, want); len(d) > 0 {
			p.Add(plan.Change{Action: plan.Differs, Kind: "sudorule", Name: s.SudotoRule, DN: s.SudoRuleE.DN, Notes: d})
		} else {
			p.Add(plan.Change{Action: plan.Unchanged, Kind: "sudorule", Name: s.SudotoRule, DN: s.SudoRuleE.DN})
		}
	} else {
		r := s.SudotoRule
		cmds := []string{
			ipa.Command("sudorule-add", r, "--cmdcat=all"),
			ipa.Command("sudorule-add-runasuser", r, "--users="+s.Role),
		}
		for _, opt := range conv.Role.SudoOptions {
			cmds = append(cmds, ipa.Command("sudorule-add-option", r, "--sudooption="+opt))
		}
		cmds = append(cmds, ipa.Command("sudorule-add-user", r, "--groups="+s.SudotoGroup),
			ipa.Command("sudorule-add-host", r, "--hostgroups="+s.Hostgroup))
		p.Add(plan.Change{Action: plan.Create, Kind: "sudorule", Name: r, DN: want.DN, Entry: want,
			LookupFilter: ipa.RuleFilter("ipasudorule", r),
			Notes:        []string{"run as " + s.Role + " only, all commands, " + strings.Join(conv.Role.SudoOptions, " ")},
			IPA:          cmds})
	}
	return p, nil
}

// manageable refuses (ipa.UnmanagedError) a role on FreeIPA's own objects (the admin
// account, the ipaservers hostgroup, the editors group, ...), on entries not in the
// convention's shape, and a role account that is a regular user: an existing account whose
// UID lies in no role range (nor in the --range given) and is not its reserved ID.
func (s *State) manageable(conv *siteconv.Conventions, o CreateOptions) error {
	for _, c := range []struct {
		kind, name string
		e          *directory.Entry
	}{
		{ipa.KindUser, s.Role, s.User},
		{ipa.KindHostgroup, s.Hostgroup, s.HostgroupE},
		{ipa.KindGroup, s.Hostgroup, s.UserGroup},
		{ipa.KindGroup, s.SudotoGroup, s.SudotoGroupE},
		{ipa.KindSudoRule, s.SudotoRule, s.SudoRuleE},
	} {
		if err := ipa.CheckManageable(c.kind, c.name, c.e); err != nil {
			return err
		}
	}
	if s.User == nil {
		return nil
	}
	uid, err := strconv.Atoi(s.User.First("uidNumber"))
	if id, ok := conv.Reserved(s.Role); ok && err == nil && id == uid {
		return nil // the reservations table names it: a role account wherever its ID lies
	}
	ranges := roleRanges(conv)
	if o.RangeGiven {
		if r, ok := conv.RangeByName(o.Range); ok {
			ranges = append(ranges, r)
		}
	}
	var names []string
	for _, r := range ranges {
		if err == nil && uid >= r.Min && uid <= r.Max {
			return nil
		}
		names = append(names, r.Name)
	}
	return &ipa.UnmanagedError{Kind: ipa.KindUser, Name: "user " + s.Role,
		Why: fmt.Sprintf("is not a role account (uidNumber %q lies in no role range: %s)", s.User.First("uidNumber"), strings.Join(names, ", "))}
}

// CheckNames refuses, by name alone, a role that is one of FreeIPA's own users (admin) or
// a hostgroup that is one of its own (ipaservers): commands call it before asking for
// --yes, so the refusal names the real reason.
func CheckNames(role, hg string) error {
	if err := ipa.CheckManageable(ipa.KindUser, role, nil); err != nil {
		return err
	}
	return ipa.CheckManageable(ipa.KindHostgroup, hg, nil)
}

// checkMembers refuses grant/revoke on FreeIPA's own objects (role admin, hostgroup
// ipaservers) and on a sudoto group not in the convention's shape.
func checkMembers(st *MemberState, role, hg, group string) error {
	if err := CheckNames(role, hg); err != nil {
		return err
	}
	return ipa.CheckManageable(ipa.KindGroup, group, st.Group)
}

// sudotoGID chooses the sudoto group's GID in the general range: "-1" when the server's
// DNA plugin serves it (ids.UseDNA), else the next ID free as UID and GID above the
// range's mark and above roleID when the role's own claim is in the same range; the
// choice is recorded in claims.
func sudotoGID(s *State, conv *siteconv.Conventions, roleID int, claims map[string]int) (string, error) {
	general, err := ids.Range(conv, "general")
	if err != nil {
		return ipa.DNAMagic, nil
	}
	useDNA, err := s.IDs.UseDNA(general)
	if err != nil || useDNA {
		return ipa.DNAMagic, err
	}
	used := append(ids.UsedIDs(s.IDs.Holders), roleID)
	hw := max(s.IDs.HighWater(general.Name), claims[general.Name])
	next, err := idrange.Next(general, idrange.Set(used...), ids.Reservations(conv), 1, hw)
	if err != nil {
		return "", inputf("gid for %s: %s", s.SudotoGroup, err.Error())
	}
	claims[general.Name] = next[0]
	return strconv.Itoa(next[0]), nil
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// MemberState is what grant/revoke need: the sudoto group and the named users.
type MemberState struct {
	Group   *directory.Entry
	Users   map[string]*directory.Entry // by lower-case uid
	Missing []string
}

// ReadMembers reads the sudoto group of role on hg and the users, in one search.
func ReadMembers(ctx context.Context, dir directory.Client, conv *siteconv.Conventions, role, hg string, users []string) (*MemberState, error) {
	group, _ := conv.SudotoNames(hg, role)
	esc := directory.EscapeFilterValue
	var b strings.Builder
	for _, u := range users {
		fmt.Fprintf(&b, "(uid=%s)", esc(u))
	}
	filter := fmt.Sprintf("(|(&(objectClass=ipaUserGroup)(cn=%s))(&(objectClass=posixAccount)(|%s)))", esc(group), b.String())
	entries, err := dir.Search(ctx, directory.SearchRequest{BaseDN: dir.Suffix(), Scope: directory.ScopeSub, Filter: filter,
		Attributes: []string{"cn", "uid", "member", "objectClass"}})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", group, err)
	}
	st := &MemberState{Users: map[string]*directory.Entry{}}
	usersDN := directory.In(directory.Users, dir.Suffix())
	groupsDN := directory.In(directory.Groups, dir.Suffix())
	for _, e := range entries {
		switch {
		case e.HasObjectClass("posixAccount") && directory.EqualDN(directory.Parent(e.DN), usersDN):
			st.Users[strings.ToLower(e.First("uid"))] = e
		case e.HasObjectClass("ipaUserGroup") && directory.EqualDN(directory.Parent(e.DN), groupsDN):
			st.Group = e
		}
	}
	for _, u := range users {
		if st.Users[strings.ToLower(u)] == nil {
			st.Missing = append(st.Missing, u)
		}
	}
	if err := checkMembers(st, role, hg, group); err != nil {
		return st, err // the real reason before "does not exist"
	}
	if st.Group == nil {
		return st, inputf("group %s does not exist: create the role first (accessctl role create %s --hostgroup %s)", group, role, hg)
	}
	return st, nil
}

// PlanMembers plans grant (add=true) or revoke of users in the sudoto group.
func PlanMembers(st *MemberState, conv *siteconv.Conventions, role, hg string, users []string, add bool) (*plan.Plan, error) {
	group, _ := conv.SudotoNames(hg, role)
	if err := checkMembers(st, role, hg, group); err != nil {
		return nil, err
	}
	verb := "grant"
	if !add {
		verb = "revoke"
	}
	if len(st.Missing) > 0 {
		return nil, inputf("no such user: %s", strings.Join(st.Missing, ", "))
	}
	p := &plan.Plan{Title: fmt.Sprintf("%s sudo to %s on %s", verb, role, hg)}
	var change, same []string
	var names []string
	for _, u := range users {
		e := st.Users[strings.ToLower(u)]
		if strings.EqualFold(e.First("uid"), role) {
			return nil, inputf("%s is the role account itself", role)
		}
		if directory.HasDN(st.Group.Get("member"), e.DN) == add {
			same = append(same, e.First("uid"))
			continue
		}
		change = append(change, e.DN)
		names = append(names, e.First("uid"))
	}
	if len(change) == 0 {
		p.Add(plan.Change{Action: plan.Unchanged, Kind: "group", Name: group, DN: st.Group.DN,
			Notes: []string{"already as asked: " + strings.Join(same, ", ")}})
		return p, nil
	}
	c := plan.Change{Action: plan.Modify, Kind: "group", Name: group, DN: st.Group.DN}
	if add {
		c.Mods = []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: change}}
		c.Notes = []string{"may become " + role + " on " + hg + ": " + strings.Join(names, ", ")}
		c.IPA = []string{ipa.Command("group-add-member", group, "--users="+strings.Join(names, ","))}
	} else {
		c.Mods = []directory.Mod{{Op: directory.ModDelete, Attr: "member", Values: change}}
		c.Removes = true
		c.Notes = []string{"may no longer become " + role + " on " + hg + ": " + strings.Join(names, ", ")}
		c.IPA = []string{ipa.Command("group-remove-member", group, "--users="+strings.Join(names, ","))}
	}
	p.Add(c)
	return p, nil
}
