package sandbox

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/accessctl/accessctl/pkg/atomicfile"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/schema"
	"github.com/accessctl/accessctl/templates"
)

// InitOptions chooses the new sandbox's naming and content.
type InitOptions struct {
	Suffix string // default dc=example,dc=test
	Realm  string // default EXAMPLE.TEST
	// Demo adds ITTN-010's users, hosts, hostgroups, automember rules and the amor cluster.
	Demo bool
	// Replace lets Init replace an existing regular file (through a symbolic link, mode
	// kept); anything else there (a directory, a device, a FIFO) is refused either way.
	Replace bool
}

type treeVars struct {
	Suffix, Realm, Domain string
	IDStart, IDSize       int64
	IDMax                 int64
	Servers               []string
}

// Init creates a sandbox file at path (which must not exist) holding an empty
// FreeIPA-shaped tree rendered from templates/ipa-tree.ldif.tmpl; every entry goes
// through the sandbox's own add, so its plugins fill in what the server would.
func Init(path string, opts InitOptions) error {
	if opts.Suffix == "" {
		opts.Suffix = "dc=example,dc=test"
	}
	var err error
	if opts.Suffix, err = CheckSuffix(opts.Suffix); err != nil {
		return err
	}
	domain := suffixDomain(opts.Suffix)
	if opts.Realm == "" {
		opts.Realm = strings.ToUpper(domain)
	}
	if err := CheckRealm(opts.Realm); err != nil {
		return err
	}
	v := treeVars{Suffix: opts.Suffix, Realm: opts.Realm, Domain: domain, IDStart: 70000, IDSize: 10000,
		Servers: []string{"ipa1." + domain, "ipa2." + domain}}
	v.IDMax = v.IDStart + v.IDSize - 1
	raw, err := templates.FS.ReadFile("ipa-tree.ldif.tmpl")
	if err != nil {
		return fmt.Errorf("read tree template: %w", err)
	}
	t, err := template.New("ipa-tree").Parse(string(raw))
	if err != nil {
		return fmt.Errorf("parse tree template: %w", err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return fmt.Errorf("render tree template: %w", err)
	}
	entries, err := ReadLDIF(&buf)
	if err != nil {
		return fmt.Errorf("tree template: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	_, _, exists, err := atomicfile.Resolve(abs)
	if err != nil {
		return fmt.Errorf("sandbox %w", err)
	}
	if exists && !opts.Replace {
		return fmt.Errorf("sandbox %s already exists", abs)
	}
	s, err := schema.Default()
	if err != nil {
		return err
	}
	d := &Dir{path: abs, schema: s, m: matcher{s}, tasks: map[string]*entry{}}
	d.reset()
	d.suffix = opts.Suffix
	for _, e := range entries {
		if _, err := d.addEntry(e, true); err != nil {
			return fmt.Errorf("tree entry %s: %w", e.DN, err)
		}
	}
	if opts.Demo {
		if err := d.addDemo(v); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	d.begin()
	d.txn.changed = map[string]bool{}
	for ndn, e := range d.entries {
		if len(d.members(e)) > 0 {
			d.txn.changed[ndn] = true
		}
	}
	if err := d.fixMemberOf(); err != nil {
		return err
	}
	d.txn = nil
	return d.save()
}

// suffixDomain turns dc=example,dc=test into example.test.
func suffixDomain(suffix string) string {
	var parts []string
	for _, ava := range rdnAVAs(suffix) {
		if strings.EqualFold(ava[0], "dc") {
			parts = append(parts, strings.ToLower(ava[1]))
		}
	}
	if len(parts) == 0 {
		return "example.test"
	}
	return strings.Join(parts, ".")
}

func (d *Dir) addDemo(v treeVars) error {
	s := v.Suffix
	A := directory.A
	user := func(uid, first, last string) *directory.Entry {
		return directory.NewEntry(directory.Join("uid", uid, directory.Users, s),
			A("objectClass", "top", "person", "organizationalperson", "inetorgperson", "inetuser", "posixaccount",
				"krbprincipalaux", "krbticketpolicyaux", "ipaobject", "ipasshuser"),
			A("uid", uid), A("givenName", first), A("sn", last), A("cn", first+" "+last),
			A("displayName", first+" "+last), A("initials", first[:1]+last[:1]), A("gecos", first+" "+last),
			A("homeDirectory", "/home/"+uid), A("loginShell", "/bin/bash"),
			A("uidNumber", "-1"), A("gidNumber", "-1"),
			A("krbPrincipalName", uid+"@"+v.Realm), A("krbCanonicalName", uid+"@"+v.Realm),
			A("mail", uid+"@"+v.Domain), A("ipaUniqueID", "autogenerate"))
	}
	group := func(cn, desc string) *directory.Entry {
		return directory.NewEntry(directory.Join("cn", cn, directory.Groups, s),
			A("objectClass", "top", "groupofnames", "nestedgroup", "ipausergroup", "ipaobject", "posixgroup"),
			A("cn", cn), A("description", desc), A("gidNumber", "-1"), A("ipaUniqueID", "autogenerate"))
	}
	hostgroup := func(cn, desc string) *directory.Entry {
		return directory.NewEntry(directory.Join("cn", cn, directory.Hostgroups, s),
			A("objectClass", "ipaobject", "ipahostgroup"), A("cn", cn), A("description", desc),
			A("ipaUniqueID", "autogenerate"))
	}
	rule := func(cn string, inclusive ...string) *directory.Entry {
		return directory.NewEntry(directory.Join("cn", cn, directory.AutomemberHG, s),
			A("objectClass", "top", "automemberregexrule"), A("cn", cn),
			A("automemberTargetGroup", directory.Join("cn", cn, directory.Hostgroups, s)),
			A("automemberInclusiveRegex", inclusive...))
	}
	host := func(fqdn string) *directory.Entry {
		dn := directory.Join("fqdn", fqdn, directory.Computers, s)
		return directory.NewEntry(dn,
			A("objectClass", "ipaobject", "nshost", "ipahost", "pkiuser", "ipaservice", "ieee802device",
				"ipasshhost", "krbprincipalaux", "krbprincipal"),
			A("fqdn", fqdn), A("cn", fqdn), A("serverHostName", strings.SplitN(fqdn, ".", 2)[0]),
			A("krbPrincipalName", "host/"+fqdn+"@"+v.Realm), A("krbCanonicalName", "host/"+fqdn+"@"+v.Realm),
			A("managedBy", dn), A("ipaUniqueID", "autogenerate"))
	}
	users := [][3]string{{"jdoe", "John", "Doe"}, {"asmith", "Alice", "Smith"}, {"bwilson", "Bob", "Wilson"}}
	var steps []*directory.Entry
	for _, u := range users {
		steps = append(steps, user(u[0], u[1], u[2]))
	}
	steps = append(steps,
		group("amor", "amor users"), group("amor-sudo", "amor sudo users"),
		hostgroup("amor", "amor nodes"), hostgroup("auxtel", "AuxTel nodes"),
		rule("amor", `fqdn=^amor[0-9]+\.cp\.lsst\.org$`),
		rule("auxtel", "fqdn=^at-.*", "fqdn=^atarchiver.*", "fqdn=^ats-.*", "fqdn=^atsccs.*", "fqdn=^atsdaq.*",
			"fqdn=^atshcu.*", "fqdn=^auxtel-control-01.*", `fqdn=^ts-csc-generic-01\.cp\.lsst\.org$`),
	)
	for _, h := range []string{"amor01.cp.lsst.org", "amor02.cp.lsst.org", "eas-hvac-01.cp.lsst.org", "at-hcu01.cp.lsst.org", "ts-csc-generic-01.cp.lsst.org"} {
		steps = append(steps, host(h))
	}
	steps = append(steps,
		directory.NewEntry("ipaUniqueID=autogenerate,"+directory.In(directory.HBAC, s),
			A("objectClass", "ipaassociation", "ipahbacrule"), A("cn", "amor-users"), A("accessRuleType", "allow"),
			A("serviceCategory", "all"), A("ipaEnabledFlag", "TRUE"), A("ipaUniqueID", "autogenerate"),
			A("memberUser", directory.Join("cn", "amor", directory.Groups, s)),
			A("memberHost", directory.Join("cn", "amor", directory.Hostgroups, s))),
		directory.NewEntry("ipaUniqueID=autogenerate,"+directory.In(directory.SudoRules, s),
			A("objectClass", "ipaassociation", "ipasudorule"), A("cn", "amor-sudo"), A("ipaEnabledFlag", "TRUE"),
			A("cmdCategory", "all"), A("ipaSudoRunAsUserCategory", "all"), A("ipaSudoRunAsGroupCategory", "all"),
			A("ipaUniqueID", "autogenerate"),
			A("memberUser", directory.Join("cn", "amor-sudo", directory.Groups, s)),
			A("memberHost", directory.Join("cn", "amor", directory.Hostgroups, s))),
	)
	for _, e := range steps {
		if _, err := d.addEntry(e, true); err != nil {
			return fmt.Errorf("%s: %w", e.DN, err)
		}
	}
	members := map[string][]string{
		directory.Join("cn", "ipausers", directory.Groups, s):  {"jdoe", "asmith", "bwilson"},
		directory.Join("cn", "amor", directory.Groups, s):      {"jdoe", "asmith"},
		directory.Join("cn", "amor-sudo", directory.Groups, s): {"asmith"},
	}
	for g, uids := range members {
		var dns []string
		for _, u := range uids {
			dns = append(dns, directory.Join("uid", u, directory.Users, s))
		}
		if _, ok := d.entries[directory.NormalizeDN(g)]; !ok {
			continue
		}
		if err := d.modifyEntry(g, []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: dns}}, true); err != nil {
			return fmt.Errorf("%s: %w", g, err)
		}
	}
	return nil
}
