// Package directorytest is the contract suite both directory backends (the LDAP client and
// the LDIF sandbox) must pass: the behaviour of FreeIPA's 389-ds that accessctl relies on.
// Every case creates its own uniquely named entries and removes them, so the suite can run
// repeatedly against a live directory.
package directorytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/pkg/directory"
)

// Run runs the contract suite; open returns a fresh client for each subtest.
func Run(t *testing.T, open func(t *testing.T) directory.Client) {
	cases := []struct {
		name string
		fn   func(t *testing.T, h *h)
	}{
		{"FilterForms", testFilters},
		{"DNAndNameCase", testCase},
		{"SchemaViolations", testSchema},
		{"UniqueRDN", testUniqueRDN},
		{"ModifyCodes", testModifyCodes},
		{"TreeCodes", testTreeCodes},
		{"MemberOfNested", testMemberOf},
		{"ReferentialIntegrity", testReferint},
		{"IPAUniqueID", testUUID},
		{"DNA", testDNA},
		{"UserPrivateGroup", testUPG},
		{"HostgroupNetgroup", testNetgroup},
		{"UIDUniqueness", testUIDUnique},
		{"AutomemberAddModify", testAutomember},
		{"AutomemberRebuild", testRebuild},
		{"ManagedEntryCollision", testMepCollision},
		{"RDNValuesOnAdd", testRDNOnAdd},
		{"BadFilter", testBadFilter},
		{"Escaping", testEscaping},
		{"Faulty", testFaulty},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := open(t)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			x := &h{t: t, c: cl, ctx: ctx, s: cl.Suffix(), tag: randTag()}
			defer x.cleanup()
			c.fn(t, x)
		})
	}
}

type h struct {
	t       *testing.T
	c       directory.Client
	ctx     context.Context
	s       string
	tag     string
	created []string
}

func randTag() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (x *h) name(p string) string { return p + "-" + x.tag }

func (x *h) cleanup() {
	for i := len(x.created) - 1; i >= 0; i-- {
		err := x.c.Delete(context.Background(), x.created[i])
		if err != nil && !directory.IsNotFound(err) {
			x.t.Logf("cleanup %s: %v", x.created[i], err)
		}
	}
}

func (x *h) add(e *directory.Entry) string {
	x.t.Helper()
	dn, err := x.c.Add(x.ctx, e)
	if err != nil {
		x.t.Fatalf("add %s: %v", e.DN, err)
	}
	x.created = append(x.created, dn)
	return dn
}

func (x *h) addErr(e *directory.Entry) error {
	dn, err := x.c.Add(x.ctx, e)
	if err == nil {
		x.created = append(x.created, dn)
	}
	return err
}

func (x *h) forget(dn string) {
	for i, c := range x.created {
		if directory.EqualDN(c, dn) {
			x.created = append(x.created[:i], x.created[i+1:]...)
			return
		}
	}
}

func (x *h) get(dn string, attrs ...string) *directory.Entry {
	x.t.Helper()
	es, err := x.c.Search(x.ctx, directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Filter: "(objectClass=*)", Attributes: attrs})
	if err != nil {
		x.t.Fatalf("read %s: %v", dn, err)
	}
	if len(es) != 1 {
		x.t.Fatalf("read %s: %d entries", dn, len(es))
	}
	return es[0]
}

func (x *h) exists(dn string) bool {
	_, err := x.c.Search(x.ctx, directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Filter: "(objectClass=*)", Attributes: []string{"1.1"}})
	return err == nil
}

func (x *h) mod(dn string, mods ...directory.Mod) {
	x.t.Helper()
	if err := x.c.Modify(x.ctx, dn, mods); err != nil {
		x.t.Fatalf("modify %s: %v", dn, err)
	}
}

func (x *h) count(base string, scope directory.Scope, filter string) int {
	x.t.Helper()
	es, err := x.c.Search(x.ctx, directory.SearchRequest{BaseDN: base, Scope: scope, Filter: filter, Attributes: []string{"1.1"}})
	if err != nil {
		x.t.Fatalf("search %s %s: %v", base, filter, err)
	}
	return len(es)
}

func wantCode(t *testing.T, what string, err error, code int) {
	t.Helper()
	if got := directory.CodeOf(err); got != code {
		t.Errorf("%s: got code %d (%v), want %d", what, got, err, code)
	}
}

func hasDN(vals []string, dn string) bool {
	for _, v := range vals {
		if directory.EqualDN(v, dn) {
			return true
		}
	}
	return false
}

var A = directory.A

// Entry builders in FreeIPA's shapes.

func (x *h) userEntry(uid string) *directory.Entry {
	return directory.NewEntry(directory.Join("uid", uid, directory.Users, x.s),
		A("objectClass", "top", "person", "organizationalperson", "inetorgperson", "inetuser", "posixaccount",
			"krbprincipalaux", "krbticketpolicyaux", "ipaobject", "ipasshuser"),
		A("uid", uid), A("givenName", "Test"), A("sn", "User"), A("cn", "Test User"),
		A("homeDirectory", "/home/"+uid), A("loginShell", "/bin/sh"),
		A("uidNumber", "-1"), A("gidNumber", "-1"), A("ipaUniqueID", "autogenerate"))
}

func (x *h) user(uid string) string {
	dn := x.add(x.userEntry(uid))
	x.created = append(x.created[:len(x.created)-1], directory.Join("cn", uid, directory.Groups, x.s), dn)
	return dn
}

func (x *h) group(cn string, members ...string) string {
	e := directory.NewEntry(directory.Join("cn", cn, directory.Groups, x.s),
		A("objectClass", "top", "groupofnames", "nestedgroup", "ipausergroup", "ipaobject", "posixgroup"),
		A("cn", cn), A("gidNumber", "-1"), A("ipaUniqueID", "autogenerate"))
	if len(members) > 0 {
		e.Attributes = append(e.Attributes, A("member", members...))
	}
	return x.add(e)
}

func (x *h) hostgroup(cn string) string {
	dn := x.add(directory.NewEntry(directory.Join("cn", cn, directory.Hostgroups, x.s),
		A("objectClass", "ipaobject", "ipahostgroup"), A("cn", cn), A("ipaUniqueID", "autogenerate")))
	x.created = append(x.created[:len(x.created)-1], directory.Join("cn", cn, directory.Netgroups, x.s), dn)
	return dn
}

func (x *h) hostEntry(fqdn string) *directory.Entry {
	dn := directory.Join("fqdn", fqdn, directory.Computers, x.s)
	return directory.NewEntry(dn,
		A("objectClass", "ipaobject", "nshost", "ipahost", "pkiuser", "ipaservice", "ieee802device", "ipasshhost"),
		A("fqdn", fqdn), A("cn", fqdn), A("serverHostName", strings.SplitN(fqdn, ".", 2)[0]),
		A("managedBy", dn), A("ipaUniqueID", "autogenerate"))
}

func (x *h) host(fqdn string) string { return x.add(x.hostEntry(fqdn)) }

func (x *h) amRule(hg string, attr string, inclusive []string, exclusive []string) string {
	e := directory.NewEntry(directory.Join("cn", hg, directory.AutomemberHG, x.s),
		A("objectClass", "top", "automemberregexrule"), A("cn", hg),
		A("automemberTargetGroup", directory.Join("cn", hg, directory.Hostgroups, x.s)))
	if len(inclusive) > 0 {
		e.Attributes = append(e.Attributes, A("automemberInclusiveRegex", inclusive...))
	}
	if len(exclusive) > 0 {
		e.Attributes = append(e.Attributes, A("automemberExclusiveRegex", exclusive...))
	}
	return x.add(e)
}

// ---- cases ----

func testFilters(t *testing.T, x *h) {
	cont := x.add(directory.NewEntry(directory.Join("cn", x.name("filters"), "", x.s),
		A("objectClass", "top", "nsContainer"), A("cn", x.name("filters"))))
	mk := func(cn, desc string, gid int, cmd string) {
		x.add(directory.NewEntry("cn="+cn+","+cont,
			A("objectClass", "top", "groupOfNames", "posixGroup", "extensibleObject"),
			A("cn", cn), A("description", desc), A("gidNumber", strconv.Itoa(gid)), A("sudoCmd", cmd),
			A("sudoOrder", strconv.Itoa(gid)), A("krbTicketFlags", strconv.Itoa(gid))))
	}
	mk("alpha", "First Group", 9, "/usr/bin/Less")
	mk("beta", "second  group", 100, "/usr/bin/vi")
	mk("gamma", "Third", 1000, "/bin/ls")
	for _, c := range []struct {
		f string
		n int
	}{
		{"(cn=alpha)", 1}, {"(CN=ALPHA)", 1}, {"(cn=*)", 4}, {"(description=*)", 3},
		{"(objectClass=GROUPOFNAMES)", 3}, {"(&(cn=alpha)(gidNumber=9))", 1},
		{"(|(cn=alpha)(cn=beta))", 2}, {"(!(cn=alpha))", 3}, {"(&(objectClass=posixGroup)(!(|(cn=alpha)(cn=beta))))", 1},
		// (the container's cn ends in its random hex tag, so a final "a" is left to the groups)
		{"(cn=al*)", 1}, {"(cn=*ph*)", 1}, {"(&(objectClass=posixGroup)(cn=*a))", 3}, {"(description=*GROUP)", 2}, {"(cn=a*p*a)", 1},
		{"(gidNumber=0009)", 1},
		// Ordering (389-ds 2.3.1, checked live). gidNumber (10rfc2307compat.ldif) has no
		// ORDERING rule and an equality index without an ordering matching rule: the
		// server range-reads the string-sorted index keys and then compares numerically
		// (the INTEGER syntax's compare), so a value must pass both: 9 is not <= 100
		// ("9" > "100" as strings), and neither 100 nor 1000 is >= 20 ("1..." < "20").
		{"(gidNumber>=100)", 2}, {"(gidNumber<=100)", 1}, {"(gidNumber>=1000)", 1}, {"(gidNumber>=20)", 0}, {"(gidNumber<=1000)", 2},
		// sudoOrder has ORDERING integerOrderingMatch: numeric.
		{"(sudoOrder>=100)", 2}, {"(sudoOrder<=100)", 2}, {"(sudoOrder>=20)", 2}, {"(sudoOrder<=1000)", 3},
		// krbTicketFlags: INTEGER syntax, no ORDERING, not indexed: the syntax compare (numeric).
		{"(krbTicketFlags<=100)", 2}, {"(krbTicketFlags>=20)", 2},
		// description: no ORDERING, directory string: case-ignore string order.
		{"(description>=S)", 2}, {"(description<=FIRST GROUP)", 1},
		// Approximate match is phonetic (metaphone): restricted to the groups, since the
		// container's random hex tag (say "bd04…") can sound like "beta" too.
		{"(description=second group)", 1}, {"(&(objectClass=posixGroup)(cn~=beta))", 1},
		{"(sudoCmd=/usr/bin/Less)", 1}, {"(sudoCmd=/usr/bin/less)", 0},
		{"(cn:caseIgnoreMatch:=ALPHA)", 1}, {"(cn:caseExactMatch:=ALPHA)", 0}, {"(cn:caseExactMatch:=alpha)", 1},
		{"(cn:dn:=" + x.name("filters") + ")", 4},
		{"(nosuchattr=x)", 0}, {"(!(nosuchattr=x))", 4},
	} {
		if got := x.count(cont, directory.ScopeSub, c.f); got != c.n {
			t.Errorf("%s: got %d entries, want %d", c.f, got, c.n)
		}
	}
	if got := x.count(cont, directory.ScopeOne, "(objectClass=*)"); got != 3 {
		t.Errorf("one-level: got %d, want 3", got)
	}
	if got := x.count(cont, directory.ScopeBase, "(objectClass=*)"); got != 1 {
		t.Errorf("base: got %d, want 1", got)
	}
}

func testCase(t *testing.T, x *h) {
	cn := x.name("CaseGroup")
	dn := x.group(cn)
	upper := strings.ToUpper(dn[:3]) + dn[3:]
	e := x.get(strings.ToUpper(dn), "cn")
	if e.First("cn") != cn {
		t.Errorf("read by upper-case DN: cn %q", e.First("cn"))
	}
	_ = upper
	if n := x.count(directory.In(directory.Groups, x.s), directory.ScopeOne, "(cn="+strings.ToUpper(cn)+")"); n != 1 {
		t.Errorf("case-insensitive cn filter: %d", n)
	}
	x.mod(strings.ToUpper(dn), directory.Mod{Op: directory.ModAdd, Attr: "DESCRIPTION", Values: []string{"Hello"}})
	if got := x.get(dn, "description").First("description"); got != "Hello" {
		t.Errorf("description %q", got)
	}
	// spaces after commas are not significant
	spaced := strings.ReplaceAll(dn, ",", ", ")
	if !x.exists(spaced) {
		t.Errorf("DN with spaces after commas not found")
	}
}

func testSchema(t *testing.T, x *h) {
	base := directory.In(directory.Groups, x.s)
	err := x.addErr(directory.NewEntry("cn="+x.name("nooc")+","+base, A("objectClass", "top", "noSuchClass"), A("cn", x.name("nooc"))))
	wantCode(t, "unknown object class", err, directory.CodeObjectClassViolation)
	err = x.addErr(directory.NewEntry("cn="+x.name("nomust")+","+base, A("objectClass", "top", "posixGroup", "groupOfNames"), A("cn", x.name("nomust"))))
	wantCode(t, "missing MUST gidNumber", err, directory.CodeObjectClassViolation)
	err = x.addErr(directory.NewEntry("cn="+x.name("notallowed")+","+base, A("objectClass", "top", "groupOfNames"), A("cn", x.name("notallowed")), A("uidNumber", "5")))
	wantCode(t, "attribute not allowed", err, directory.CodeObjectClassViolation)
	g := x.group(x.name("schema"))
	err = x.c.Modify(x.ctx, g, []directory.Mod{{Op: directory.ModAdd, Attr: "fqdn", Values: []string{"x"}}})
	wantCode(t, "modify adds not-allowed attribute", err, directory.CodeObjectClassViolation)
	err = x.c.Modify(x.ctx, g, []directory.Mod{{Op: directory.ModDelete, Attr: "gidNumber"}})
	wantCode(t, "modify removes MUST attribute", err, directory.CodeObjectClassViolation)
	// an undefined attribute type is an object class violation (not 17) on add and
	// modify, unless extensibleObject allows any attribute; deleting it is 16
	err = x.addErr(directory.NewEntry("cn="+x.name("undef")+","+base, A("objectClass", "top", "groupOfNames"), A("cn", x.name("undef")), A("noSuchAttr", "x")))
	wantCode(t, "add with undefined attribute type", err, directory.CodeObjectClassViolation)
	wantCode(t, "modify adds undefined attribute type", x.c.Modify(x.ctx, g, []directory.Mod{{Op: directory.ModAdd, Attr: "noSuchAttr", Values: []string{"x"}}}), directory.CodeObjectClassViolation)
	wantCode(t, "modify replaces undefined attribute type", x.c.Modify(x.ctx, g, []directory.Mod{{Op: directory.ModReplace, Attr: "noSuchAttr", Values: []string{"x"}}}), directory.CodeObjectClassViolation)
	wantCode(t, "modify deletes undefined attribute type", x.c.Modify(x.ctx, g, []directory.Mod{{Op: directory.ModDelete, Attr: "noSuchAttr"}}), directory.CodeNoSuchAttribute)
	if err := x.addErr(directory.NewEntry("cn="+x.name("undefext")+","+base, A("objectClass", "top", "groupOfNames", "extensibleObject"), A("cn", x.name("undefext")), A("noSuchAttr", "x"))); err != nil {
		t.Errorf("extensibleObject entry with an undefined attribute type: %v", err)
	}
	// a second value of a single-valued attribute: 65 on add and modify; bad integer: 21
	wantCode(t, "modify adds a second gidNumber", x.c.Modify(x.ctx, g, []directory.Mod{{Op: directory.ModAdd, Attr: "gidNumber", Values: []string{"5"}}}), directory.CodeObjectClassViolation)
	err = x.addErr(directory.NewEntry("cn="+x.name("twogid")+","+base, A("objectClass", "top", "groupOfNames", "posixGroup"), A("cn", x.name("twogid")), A("gidNumber", "5", "6")))
	wantCode(t, "add with two gidNumbers", err, directory.CodeObjectClassViolation)
	wantCode(t, "modify replaces gidNumber with a non-integer", x.c.Modify(x.ctx, g, []directory.Mod{{Op: directory.ModReplace, Attr: "gidNumber", Values: []string{"abc"}}}), directory.CodeInvalidAttributeSyntax)
	// superior classes are added on add
	hg := x.hostgroup(x.name("schemahg"))
	oc := x.get(hg, "objectClass")
	for _, want := range []string{"nestedGroup", "groupOfNames", "top"} {
		if !oc.Has("objectClass", want) {
			t.Errorf("hostgroup lacks superior class %s: %v", want, oc.Get("objectClass"))
		}
	}
}

func testUniqueRDN(t *testing.T, x *h) {
	cn := x.name("dup")
	x.group(cn)
	e := directory.NewEntry(directory.Join("cn", strings.ToUpper(cn), directory.Groups, x.s),
		A("objectClass", "top", "groupofnames", "nestedgroup", "ipausergroup", "ipaobject"),
		A("cn", strings.ToUpper(cn)), A("ipaUniqueID", "autogenerate"))
	wantCode(t, "add of existing DN (other case)", x.addErr(e), directory.CodeEntryAlreadyExists)
}

func testModifyCodes(t *testing.T, x *h) {
	u := x.user(x.name("modu"))
	g := x.group(x.name("modg"), u)
	wantCode(t, "add existing value", x.c.Modify(x.ctx, g, []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{strings.ToUpper(u)}}}), directory.CodeAttributeOrValueExists)
	wantCode(t, "delete missing value", x.c.Modify(x.ctx, g, []directory.Mod{{Op: directory.ModDelete, Attr: "member", Values: []string{"uid=nobody," + directory.In(directory.Users, x.s)}}}), directory.CodeNoSuchAttribute)
	wantCode(t, "delete missing attribute", x.c.Modify(x.ctx, g, []directory.Mod{{Op: directory.ModDelete, Attr: "description"}}), directory.CodeNoSuchAttribute)
	missing := directory.Join("cn", x.name("missing"), directory.Groups, x.s)
	wantCode(t, "modify missing entry", x.c.Modify(x.ctx, missing, []directory.Mod{{Op: directory.ModReplace, Attr: "description", Values: []string{"x"}}}), directory.CodeNoSuchObject)
	// replace and delete by value are case-insensitive for DNs
	x.mod(g, directory.Mod{Op: directory.ModDelete, Attr: "member", Values: []string{strings.ToUpper(u)}})
	if len(x.get(g, "member").Get("member")) != 0 {
		t.Errorf("member not removed")
	}
	// an all-or-nothing modify: the failing second mod leaves the first undone
	err := x.c.Modify(x.ctx, g, []directory.Mod{{Op: directory.ModReplace, Attr: "description", Values: []string{"changed"}}, {Op: directory.ModDelete, Attr: "seeAlso"}})
	wantCode(t, "second mod fails", err, directory.CodeNoSuchAttribute)
	if x.get(g, "description").First("description") == "changed" {
		t.Errorf("failed modify was partly applied")
	}
}

func testTreeCodes(t *testing.T, x *h) {
	cont := directory.Join("cn", x.name("tree"), "", x.s)
	wantCode(t, "add under missing parent", x.addErr(directory.NewEntry("cn=child,"+cont, A("objectClass", "top", "nsContainer"), A("cn", "child"))), directory.CodeNoSuchObject)
	x.add(directory.NewEntry(cont, A("objectClass", "top", "nsContainer"), A("cn", x.name("tree"))))
	child := x.add(directory.NewEntry("cn=child,"+cont, A("objectClass", "top", "nsContainer"), A("cn", "child")))
	wantCode(t, "delete non-leaf", x.c.Delete(x.ctx, cont), directory.CodeNotAllowedOnNonLeaf)
	wantCode(t, "delete missing", x.c.Delete(x.ctx, "cn=nothere,"+cont), directory.CodeNoSuchObject)
	wantCode(t, "rename missing", x.c.Rename(x.ctx, "cn=nothere,"+cont, "cn=x", ""), directory.CodeNoSuchObject)
	x.add(directory.NewEntry("cn=other,"+cont, A("objectClass", "top", "nsContainer"), A("cn", "other")))
	wantCode(t, "rename onto existing", x.c.Rename(x.ctx, child, "cn=other", ""), directory.CodeEntryAlreadyExists)
	if err := x.c.Rename(x.ctx, child, "cn=renamed", ""); err != nil {
		t.Fatalf("rename: %v", err)
	}
	x.forget(child)
	x.created = append(x.created, "cn=renamed,"+cont)
	if e := x.get("cn=renamed,"+cont, "cn"); e.Has("cn", "child") || !e.Has("cn", "renamed") {
		t.Errorf("rename did not replace the RDN value: %v", e.Get("cn"))
	}
	wantCode(t, "search missing base", func() error {
		_, err := x.c.Search(x.ctx, directory.SearchRequest{BaseDN: "cn=nothere," + cont, Scope: directory.ScopeSub, Filter: "(objectClass=*)"})
		return err
	}(), directory.CodeNoSuchObject)
}

func testMemberOf(t *testing.T, x *h) {
	u := x.user(x.name("mou"))
	inner := x.group(x.name("inner"), u)
	outer := x.group(x.name("outer"), inner)
	mo := x.get(u, "memberOf").Get("memberOf")
	if !hasDN(mo, inner) || !hasDN(mo, outer) {
		t.Errorf("user memberOf %v, want inner and outer", mo)
	}
	if !hasDN(x.get(inner, "memberOf").Get("memberOf"), outer) {
		t.Errorf("inner group lacks memberOf outer")
	}
	// HBAC rule with memberUser: group → user is memberOf the rule
	rule := x.add(directory.NewEntry("ipaUniqueID=autogenerate,"+directory.In(directory.HBAC, x.s),
		A("objectClass", "ipaassociation", "ipahbacrule"), A("cn", x.name("rule")), A("accessRuleType", "allow"),
		A("ipaEnabledFlag", "TRUE"), A("ipaUniqueID", "autogenerate"), A("memberUser", outer)))
	if !hasDN(x.get(u, "memberOf").Get("memberOf"), rule) {
		t.Errorf("user not memberOf the HBAC rule through nested groups")
	}
	if n := x.count(directory.In(directory.Users, x.s), directory.ScopeOne, "(memberOf="+directory.EscapeFilterValue(outer)+")"); n != 1 {
		t.Errorf("search by memberOf: %d", n)
	}
	x.mod(inner, directory.Mod{Op: directory.ModDelete, Attr: "member", Values: []string{u}})
	mo = x.get(u, "memberOf").Get("memberOf")
	if hasDN(mo, inner) || hasDN(mo, outer) || hasDN(mo, rule) {
		t.Errorf("memberOf not removed: %v", mo)
	}
}

func testReferint(t *testing.T, x *h) {
	u := x.user(x.name("riu"))
	g := x.group(x.name("rig"), u)
	rule := x.add(directory.NewEntry("ipaUniqueID=autogenerate,"+directory.In(directory.SudoRules, x.s),
		A("objectClass", "ipaassociation", "ipasudorule"), A("cn", x.name("rule")), A("ipaEnabledFlag", "TRUE"),
		A("ipaUniqueID", "autogenerate"), A("memberUser", g), A("ipaSudoRunAs", u)))
	x.mod(g, directory.Mod{Op: directory.ModAdd, Attr: "memberManager", Values: []string{u}})
	// rename the group: references follow
	ng := directory.Join("cn", x.name("rig2"), directory.Groups, x.s)
	if err := x.c.Rename(x.ctx, g, "cn="+x.name("rig2"), ""); err != nil {
		t.Fatalf("rename group: %v", err)
	}
	x.forget(g)
	x.created = append(x.created, ng)
	if !hasDN(x.get(rule, "memberUser").Get("memberUser"), ng) {
		t.Errorf("rule memberUser not updated on rename")
	}
	if !hasDN(x.get(u, "memberOf").Get("memberOf"), ng) || hasDN(x.get(u, "memberOf").Get("memberOf"), g) {
		t.Errorf("memberOf not updated on rename: %v", x.get(u, "memberOf").Get("memberOf"))
	}
	// delete the user: removed everywhere
	if err := x.c.Delete(x.ctx, u); err != nil {
		t.Fatalf("delete user: %v", err)
	}
	x.forget(u)
	if m := x.get(ng, "member", "memberManager"); len(m.Get("member"))+len(m.Get("memberManager")) != 0 {
		t.Errorf("group still references the deleted user: %v", m.Attributes)
	}
	if len(x.get(rule, "ipaSudoRunAs").Get("ipaSudoRunAs")) != 0 {
		t.Errorf("rule still references the deleted user")
	}
	if x.exists(directory.Join("cn", x.name("riu"), directory.Groups, x.s)) {
		t.Errorf("user private group survived the user")
	}
}

func testUUID(t *testing.T, x *h) {
	dn := x.add(directory.NewEntry("ipaUniqueID=autogenerate,"+directory.In(directory.HBAC, x.s),
		A("objectClass", "ipaassociation", "ipahbacrule"), A("cn", x.name("uuid")), A("accessRuleType", "allow"),
		A("ipaUniqueID", "autogenerate")))
	if strings.Contains(strings.ToLower(dn), "autogenerate") {
		t.Fatalf("stored DN %s still says autogenerate", dn)
	}
	id := x.get(dn, "ipaUniqueID").First("ipaUniqueID")
	if len(id) != 36 || id != strings.ToLower(id) || !strings.EqualFold(directory.RDNValue(dn), id) {
		t.Errorf("ipaUniqueID %q, DN %s", id, dn)
	}
	g := x.group(x.name("uuidg"))
	if v := x.get(g, "ipaUniqueID").First("ipaUniqueID"); len(v) != 36 {
		t.Errorf("group ipaUniqueID %q", v)
	}
}

func (x *h) idRange() (int64, int64) {
	es, err := x.c.Search(x.ctx, directory.SearchRequest{BaseDN: directory.In(directory.Ranges, x.s), Scope: directory.ScopeOne,
		Filter: "(objectClass=ipaDomainIDRange)", Attributes: []string{"ipaBaseID", "ipaIDRangeSize"}})
	if err != nil || len(es) == 0 {
		x.t.Fatalf("no ID range: %v", err)
	}
	b, _ := strconv.ParseInt(es[0].First("ipaBaseID"), 10, 64)
	s, _ := strconv.ParseInt(es[0].First("ipaIDRangeSize"), 10, 64)
	return b, b + s - 1
}

func testDNA(t *testing.T, x *h) {
	lo, hi := x.idRange()
	u1 := x.user(x.name("dna1"))
	u2 := x.user(x.name("dna2"))
	g := x.group(x.name("dnag"))
	seen := map[string]bool{}
	for _, dn := range []string{u1, u2} {
		e := x.get(dn, "uidNumber", "gidNumber")
		if e.First("uidNumber") != e.First("gidNumber") {
			t.Errorf("%s: uid %s gid %s differ", dn, e.First("uidNumber"), e.First("gidNumber"))
		}
		seen[e.First("uidNumber")] = true
	}
	gid := x.get(g, "gidNumber").First("gidNumber")
	seen[gid] = true
	if len(seen) != 3 {
		t.Errorf("DNA numbers not distinct: %v", seen)
	}
	for v := range seen {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < lo || n > hi {
			t.Errorf("DNA number %s outside %d-%d", v, lo, hi)
		}
	}
	// an explicit number is kept
	e := x.userEntry(x.name("dna3"))
	e.Set("uidNumber", "12345")
	e.Set("gidNumber", "12345")
	dn := x.add(e)
	x.created = append(x.created[:len(x.created)-1], directory.Join("cn", x.name("dna3"), directory.Groups, x.s), dn)
	if x.get(dn, "uidNumber").First("uidNumber") != "12345" {
		t.Errorf("explicit uidNumber changed")
	}
}

func testUPG(t *testing.T, x *h) {
	uid := x.name("upg")
	u := x.user(uid)
	ue := x.get(u, "uidNumber", "mepManagedEntry", "objectClass")
	gdn := directory.Join("cn", uid, directory.Groups, x.s)
	if !directory.EqualDN(ue.First("mepManagedEntry"), gdn) || !ue.HasObjectClass("mepOriginEntry") {
		t.Errorf("user lacks the managed entry link: %v", ue.Attributes)
	}
	ge := x.get(gdn, "gidNumber", "mepManagedBy", "objectClass", "description", "ipaUniqueID")
	if ge.First("gidNumber") != ue.First("uidNumber") || !directory.EqualDN(ge.First("mepManagedBy"), u) ||
		!ge.HasObjectClass("posixGroup") || !ge.HasObjectClass("mepManagedEntry") || ge.First("description") != "User private group for "+uid ||
		len(ge.First("ipaUniqueID")) != 36 {
		t.Errorf("private group: %v", ge.Attributes)
	}
	// __no_upg__ users get none
	e := x.userEntry(x.name("noupg"))
	e.Set("description", "__no_upg__")
	e.Set("gidNumber", "12345")
	dn := x.add(e)
	if x.exists(directory.Join("cn", x.name("noupg"), directory.Groups, x.s)) {
		t.Errorf("__no_upg__ user got a private group")
	}
	_ = dn
	// deleting the user deletes the group
	if err := x.c.Delete(x.ctx, u); err != nil {
		t.Fatal(err)
	}
	x.forget(u)
	if x.exists(gdn) {
		t.Errorf("private group survived its user")
	}
}

func testNetgroup(t *testing.T, x *h) {
	cn := x.name("ngp")
	hg := x.hostgroup(cn)
	ng := directory.Join("cn", cn, directory.Netgroups, x.s)
	e := x.get(ng, "memberHost", "mepManagedBy", "objectClass", "nisDomainName", "description")
	if !hasDN(e.Get("memberHost"), hg) || !directory.EqualDN(e.First("mepManagedBy"), hg) || !e.HasObjectClass("ipaNISNetgroup") ||
		e.First("description") != "ipaNetgroup "+cn {
		t.Errorf("managed netgroup: %v", e.Attributes)
	}
	if !directory.EqualDN(x.get(hg, "mepManagedEntry").First("mepManagedEntry"), ng) {
		t.Errorf("hostgroup lacks mepManagedEntry")
	}
	if err := x.c.Delete(x.ctx, hg); err != nil {
		t.Fatal(err)
	}
	x.forget(hg)
	if x.exists(ng) {
		t.Errorf("netgroup survived its hostgroup")
	}
}

func testUIDUnique(t *testing.T, x *h) {
	uid := x.name("uniq")
	x.user(uid)
	// same uid elsewhere in the suffix (posixAccount) → constraint violation
	cont := x.add(directory.NewEntry(directory.Join("cn", x.name("uidc"), "", x.s), A("objectClass", "top", "nsContainer"), A("cn", x.name("uidc"))))
	e := x.userEntry(uid)
	e.DN = "uid=" + uid + "," + cont
	e.Set("uidNumber", "12346")
	e.Set("gidNumber", "12346")
	wantCode(t, "duplicate uid", x.addErr(e), directory.CodeConstraintViolation)
	// same sudo rule name
	r := func() *directory.Entry {
		return directory.NewEntry("ipaUniqueID=autogenerate,"+directory.In(directory.SudoRules, x.s),
			A("objectClass", "ipaassociation", "ipasudorule"), A("cn", x.name("sr")), A("ipaUniqueID", "autogenerate"))
	}
	x.add(r())
	wantCode(t, "duplicate sudo rule cn", x.addErr(r()), directory.CodeConstraintViolation)
}

func testAutomember(t *testing.T, x *h) {
	hgA, hgB := x.name("ama"), x.name("amb")
	a := x.hostgroup(hgA)
	b := x.hostgroup(hgB)
	x.amRule(hgA, "fqdn", []string{`fqdn=^am-` + x.tag + `-a[0-9]+\.example`}, []string{`fqdn=^am-` + x.tag + `-a9`})
	x.amRule(hgB, "fqdn", []string{`fqdn=` + x.tag + `-b`}, nil)
	h1 := x.host("am-" + x.tag + "-a1.example.test")
	h9 := x.host("am-" + x.tag + "-a9.example.test")
	hb := x.host("x-am-" + x.tag + "-b.example.test")
	m := x.get(a, "member").Get("member")
	if !hasDN(m, h1) || hasDN(m, h9) || hasDN(m, hb) {
		t.Errorf("hostgroup A members %v", m)
	}
	if !hasDN(x.get(b, "member").Get("member"), hb) {
		t.Errorf("unanchored regex did not match")
	}
	if !hasDN(x.get(h1, "memberOf").Get("memberOf"), a) {
		t.Errorf("host lacks memberOf its automember hostgroup")
	}
	// modify: a host whose attribute changes to match another rule moves
	hm := x.host("am-" + x.tag + "-m.example.test")
	x.mod(hm, directory.Mod{Op: directory.ModReplace, Attr: "description", Values: []string{"x"}})
	if hasDN(x.get(a, "member").Get("member"), hm) {
		t.Errorf("non-matching host was added on modify")
	}
	// 389-ds 2.3.1 (autoMemberProcessModifyOps on), checked live: a modified entry that
	// still selects a group joins it and leaves the groups its previous state selected
	// and its new one does not; an entry that stops matching every rule, or leaves the
	// definition filter, keeps its memberships.
	hgD, hgE := x.name("amd"), x.name("ame")
	dg, eg := x.hostgroup(hgD), x.hostgroup(hgE)
	x.amRule(hgD, "description", []string{`description=^amd-` + x.tag + `$`}, nil)
	x.amRule(hgE, "description", []string{`description=^ame-` + x.tag + `$`}, nil)
	he := x.hostEntry("amdesc-" + x.tag + ".example.test")
	he.Set("description", "amd-"+x.tag)
	hd := x.add(he)
	if !hasDN(x.get(dg, "member").Get("member"), hd) {
		t.Fatalf("host not added by its description")
	}
	x.mod(hd, directory.Mod{Op: directory.ModReplace, Attr: "description", Values: []string{"nomatch"}})
	if !hasDN(x.get(dg, "member").Get("member"), hd) {
		t.Errorf("host that stopped matching every rule was removed on modify")
	}
	// a new match joins the new group; the old one stays, as the entry's previous state
	// (nomatch) selected nothing to leave
	x.mod(hd, directory.Mod{Op: directory.ModReplace, Attr: "description", Values: []string{"ame-" + x.tag}})
	if !hasDN(x.get(dg, "member").Get("member"), hd) || !hasDN(x.get(eg, "member").Get("member"), hd) {
		t.Errorf("after matching E: D %v E %v, want both", x.get(dg, "member").Get("member"), x.get(eg, "member").Get("member"))
	}
	// moving from E's rule to D's leaves E
	x.mod(hd, directory.Mod{Op: directory.ModReplace, Attr: "description", Values: []string{"amd-" + x.tag}})
	if !hasDN(x.get(dg, "member").Get("member"), hd) || hasDN(x.get(eg, "member").Get("member"), hd) {
		t.Errorf("host moving from E to D: D %v E %v", x.get(dg, "member").Get("member"), x.get(eg, "member").Get("member"))
	}
	// leaving the definition filter (objectclass=ipaHost) changes nothing
	x.mod(hd, directory.Mod{Op: directory.ModReplace, Attr: "objectClass", Values: []string{"top", "ipaobject", "nshost", "pkiuser", "ipaservice", "ieee802device", "ipasshhost", "extensibleObject"}},
		directory.Mod{Op: directory.ModReplace, Attr: "description", Values: []string{"ame-" + x.tag}})
	if !hasDN(x.get(dg, "member").Get("member"), hd) || hasDN(x.get(eg, "member").Get("member"), hd) {
		t.Errorf("host outside the definition filter changed groups: D %v E %v", x.get(dg, "member").Get("member"), x.get(eg, "member").Get("member"))
	}
}

func (x *h) task(base, filter string, cleanup bool) {
	x.t.Helper()
	cn := x.name("task") + randTag()
	e := directory.NewEntry("cn="+cn+",cn=automember rebuild membership,cn=tasks,cn=config",
		A("objectClass", "top", "extensibleObject"), A("cn", cn), A("basedn", base), A("filter", filter), A("scope", "sub"), A("ttl", "3600"))
	if cleanup {
		e.Attributes = append(e.Attributes, A("cleanup", "yes"))
	}
	dn, err := x.c.Add(x.ctx, e)
	if err != nil {
		x.t.Fatalf("add task: %v", err)
	}
	for i := 0; i < 60; i++ {
		es, err := x.c.Search(x.ctx, directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Filter: "(objectClass=*)", Attributes: []string{"nsTaskExitCode", "nsTaskStatus"}})
		if err == nil && len(es) == 1 && es[0].First("nsTaskExitCode") != "" {
			if es[0].First("nsTaskExitCode") != "0" {
				x.t.Fatalf("task failed: %v", es[0].Attributes)
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	x.t.Fatalf("task %s did not finish", dn)
}

// testRebuild: on 389-ds 2.3.1 (the live test directory) a rebuild task removes every
// entry it processes (selected by the task's filter, under a definition) from the
// definition's target groups its rules do not select, WITH OR WITHOUT cleanup: a stale,
// hand-added member the task's filter selects is removed by a plain rebuild too.
// freeipa-ldap.md §2.8 describes newer 389 source, where only cleanup removes.
// Members the task does not process (hosts outside its filter, nested groups) stay.
func testRebuild(t *testing.T, x *h) {
	hgName := x.name("rb")
	hg := x.hostgroup(hgName)
	nested := x.hostgroup(x.name("rbn"))
	h1 := x.host("rb-" + x.tag + "-1.example.test")
	h2 := x.host("zz-" + x.tag + "-2.example.test")
	h3 := x.host("yy-" + randTag() + ".example.test")
	// stale members the rule does not select
	x.mod(hg, directory.Mod{Op: directory.ModAdd, Attr: "member", Values: []string{h2, h3, nested}})
	x.amRule(hgName, "fqdn", []string{`fqdn=^rb-` + x.tag}, nil)
	if hasDN(x.get(hg, "member").Get("member"), h1) {
		t.Fatalf("host joined before rebuild")
	}
	// a task whose filter selects only h1: h2 is not processed and stays
	x.task(directory.In(directory.Computers, x.s), "(fqdn=rb-"+x.tag+"*)", false)
	m := x.get(hg, "member").Get("member")
	if !hasDN(m, h1) || !hasDN(m, h2) {
		t.Errorf("rebuild of h1 only: members %v", m)
	}
	filter := "(fqdn=*" + x.tag + "*)"
	x.task(directory.In(directory.Computers, x.s), filter, false)
	m = x.get(hg, "member").Get("member")
	if !hasDN(m, h1) || hasDN(m, h2) || !hasDN(m, h3) || !hasDN(m, nested) {
		t.Errorf("rebuild without cleanup: members %v (want h1, h3 and the nested group, not h2)", m)
	}
	x.mod(hg, directory.Mod{Op: directory.ModAdd, Attr: "member", Values: []string{h2}})
	x.task(directory.In(directory.Computers, x.s), filter, true)
	m = x.get(hg, "member").Get("member")
	if !hasDN(m, h1) || hasDN(m, h2) || !hasDN(m, h3) || !hasDN(m, nested) {
		t.Errorf("rebuild with cleanup: members %v (want h1, h3 and the nested group, not h2)", m)
	}
}

// testMepCollision: when the managed entry's DN is taken, 389 rejects the origin's add
// with unwilling to perform (53), and nothing is added.
func testMepCollision(t *testing.T, x *h) {
	uid := x.name("mepc")
	x.group(uid)
	err := x.addErr(x.userEntry(uid))
	wantCode(t, "user whose private group name is taken", err, directory.CodeUnwillingToPerform)
	if x.exists(directory.Join("uid", uid, directory.Users, x.s)) {
		t.Errorf("rejected user was added")
	}
	hg := x.name("mepn")
	x.add(directory.NewEntry(directory.Join("cn", hg, directory.Netgroups, x.s),
		A("objectClass", "top", "ipaAssociation", "ipaNISNetgroup", "ipaobject"), A("cn", hg), A("nisDomainName", "x"), A("ipaUniqueID", "autogenerate")))
	err = x.addErr(directory.NewEntry(directory.Join("cn", hg, directory.Hostgroups, x.s),
		A("objectClass", "ipaobject", "ipahostgroup"), A("cn", hg), A("ipaUniqueID", "autogenerate")))
	wantCode(t, "hostgroup whose netgroup name is taken", err, directory.CodeUnwillingToPerform)
	if x.exists(directory.Join("cn", hg, directory.Hostgroups, x.s)) {
		t.Errorf("rejected hostgroup was added")
	}
}

// testRDNOnAdd: 389 adds the RDN's values to an added entry that lacks them.
func testRDNOnAdd(t *testing.T, x *h) {
	cont := x.add(directory.NewEntry(directory.Join("cn", x.name("rdn"), "", x.s), A("objectClass", "top", "nsContainer"), A("cn", x.name("rdn"))))
	a := x.add(directory.NewEntry("cn=rdnvalue,"+cont, A("objectClass", "top", "nsContainer"), A("cn", "other")))
	if cn := x.get(a, "cn"); !cn.Has("cn", "rdnvalue") || !cn.Has("cn", "other") {
		t.Errorf("cn %v, want the RDN value added to the given one", cn.Get("cn"))
	}
	b := x.add(directory.NewEntry("cn=nocn,"+cont, A("objectClass", "top", "nsContainer")))
	if cn := x.get(b, "cn"); !cn.Has("cn", "nocn") {
		t.Errorf("cn %v, want the RDN value", cn.Get("cn"))
	}
}

// testBadFilter: a malformed filter is a protocol error (2); the live client rejects it
// before sending, so the sandbox does as the client does (an unparenthesized filter too).
func testBadFilter(t *testing.T, x *h) {
	for _, f := range []string{"(cn=x", "cn=x", "cn=x)", "(&(cn=x)", "(cn=x)(cn=y)", `(cn=x\zz)`} {
		_, err := x.c.Search(x.ctx, directory.SearchRequest{BaseDN: x.s, Scope: directory.ScopeBase, Filter: f})
		wantCode(t, "filter "+f, err, directory.CodeProtocolError)
	}
}

func testEscaping(t *testing.T, x *h) {
	odd := "we*ird(" + x.tag + `)\,+="x`
	cont := x.add(directory.NewEntry(directory.Join("cn", x.name("esc"), "", x.s), A("objectClass", "top", "nsContainer"), A("cn", x.name("esc"))))
	dn := x.add(directory.NewEntry("cn="+directory.EscapeDNValue(odd)+","+cont,
		A("objectClass", "top", "nsContainer", "extensibleObject"), A("cn", odd), A("description", odd)))
	es, err := x.c.Search(x.ctx, directory.SearchRequest{BaseDN: cont, Scope: directory.ScopeOne, Filter: "(cn=" + directory.EscapeFilterValue(odd) + ")", Attributes: []string{"cn"}})
	if err != nil || len(es) != 1 || es[0].First("cn") != odd {
		t.Fatalf("search escaped value: %v %v", es, err)
	}
	if directory.RDNValue(es[0].DN) != odd {
		t.Errorf("RDN value %q, want %q", directory.RDNValue(es[0].DN), odd)
	}
	if n := x.count(cont, directory.ScopeOne, "(description=we\\2aird\\28*)"); n != 1 {
		t.Errorf("substring with escapes: %d", n)
	}
	if !x.exists(dn) {
		t.Errorf("escaped DN not found")
	}
}

func testFaulty(t *testing.T, x *h) {
	f := directory.NewFaulty(x.c, 2)
	cont := directory.Join("cn", x.name("fault"), "", x.s)
	if _, err := f.Add(x.ctx, directory.NewEntry(cont, A("objectClass", "top", "nsContainer"), A("cn", x.name("fault")))); err != nil {
		t.Fatal(err)
	}
	x.created = append(x.created, cont)
	_, err := f.Add(x.ctx, directory.NewEntry("cn=c,"+cont, A("objectClass", "top", "nsContainer"), A("cn", "c")))
	if !directory.IsCode(err, directory.CodeUnavailable) {
		t.Errorf("second write: %v, want injected fault", err)
	}
	if x.exists("cn=c," + cont) {
		t.Errorf("faulted add reached the directory")
	}
	if _, err := f.Search(x.ctx, directory.SearchRequest{BaseDN: cont, Scope: directory.ScopeBase, Filter: "(objectClass=*)"}); err != nil {
		t.Errorf("reads are not counted: %v", err)
	}
}
