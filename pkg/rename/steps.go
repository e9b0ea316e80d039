package rename

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
)

// Who does a step.
type Who string

const (
	// Operator steps are commands the operator runs; accessctl records them as done.
	Operator Who = "operator"
	// Accessctl steps are run by accessctl itself against the directory.
	Accessctl Who = "accessctl"
)

// Step IDs, in ITTN-010 §3.6 order.
const (
	StepStopPuppet = 1 + iota
	StepRecord
	StepUnenroll
	StepRmKeytab
	StepHostDel
	StepHostname
	StepEnroll
	StepServices
	StepHostgroups
	StepCerts
	NumSteps = StepCerts
)

// Step is one runbook step.
type Step struct {
	N     int    `json:"n" yaml:"n"`
	ID    string `json:"id" yaml:"id"`
	Title string `json:"title" yaml:"title"`
	Who   Who    `json:"who" yaml:"who"`
	// Where the commands run: "on OLD", "on an IPA client as an IPA administrator", ...
	Where    string   `json:"where" yaml:"where"`
	Commands []string `json:"commands,omitempty" yaml:"commands,omitempty"`
	Notes    []string `json:"notes,omitempty" yaml:"notes,omitempty"`
}

// Steps computes the runbook from the facts.
func Steps(f *Facts) []Step {
	q := plan.ShellQuote
	on := func(h string) string { return "on " + h + " (as root)" }
	steps := []Step{
		{N: StepStopPuppet, ID: "stop-puppet", Title: "Stop puppet", Who: Operator, Where: on(f.Old),
			Commands: []string{"systemctl stop puppet"},
			Notes:    []string{"Otherwise puppet may re-enroll the host before every step is done (ITTN-010 §3.6)."}},
		{N: StepRecord, ID: "record", Title: "Record the services, certificates, hostgroups and rules", Who: Accessctl,
			Where: "read-only",
			Notes: []string{"accessctl saves the facts above in its state file; the host entry is not deleted before they are saved.",
				"Equivalent: " + ipa.Command("service-find", f.Old) + " ; " + ipa.Command("hostgroup-find", "--hosts="+f.Old) + " ; " +
					"ldapsearch -Y GSSAPI -b " + q("cn=accounts,"+f.Suffix) + " '(&(objectclass=ipaservice)(userCertificate=*))' krbPrincipalName"}},
		{N: StepUnenroll, ID: "unenroll", Title: "Unenroll the host", Who: Operator, Where: on(f.Old),
			Commands: []string{"ipa-client-install --uninstall"}},
	}
	rm := Step{N: StepRmKeytab, ID: "rmkeytab", Title: "Remove the old service principals from their keytabs", Who: Operator, Where: on(f.Old)}
	seen := map[string]bool{}
	for _, s := range f.Services {
		if seen[s.Keytab] {
			continue
		}
		seen[s.Keytab] = true
		rm.Commands = append(rm.Commands, "ipa-rmkeytab -k "+q(s.Keytab)+" -r "+q(f.Realm))
	}
	if len(f.Services) == 0 {
		rm.Notes = append(rm.Notes, "The host has no services besides the host principal: nothing to do.")
	} else {
		rm.Notes = append(rm.Notes, "FreeIPA does not store keytab locations: check each path (set them with --service-keytab NAME=PATH); /etc/krb5.keytab is handled by the uninstall.")
	}
	steps = append(steps, rm,
		Step{N: StepHostDel, ID: "host-del", Title: "Delete the host entry", Who: Operator,
			Where:    "on an IPA client, as an IPA administrator",
			Commands: []string{ipa.Command("host-del", f.Old)},
			Notes: []string{"This removes the host's services and revokes every certificate issued for it; only the IPA framework revokes, so accessctl never deletes the entry itself.",
				fmt.Sprintf("Before recording this step accessctl verifies that %s and its %d service(s) are gone.", f.Old, len(f.Services))}},
		Step{N: StepHostname, ID: "hostname", Title: "Rename the machine", Who: Operator, Where: on(f.Old),
			Commands: []string{"hostnamectl set-hostname " + q(f.New)},
			Notes:    []string{"Check DNS: " + f.New + " must resolve to the machine before it re-enrolls."}},
		Step{N: StepEnroll, ID: "enroll", Title: "Re-enroll the host", Who: Operator, Where: on(f.New),
			Commands: []string{"ipa-client-install"},
			Notes: []string{"If puppet manages the host, a puppet run (systemctl start puppet) enrolls it instead.",
				"Before recording this step accessctl verifies that the host entry " + f.New + " exists."}},
	)
	svc := Step{N: StepServices, ID: "services", Title: "Re-create the services", Who: Accessctl, Where: "a plan against the directory"}
	for _, s := range f.Services {
		svc.Commands = append(svc.Commands, serviceAddCommand(f, s))
	}
	if cmd := hostModCommand(f); cmd != "" {
		svc.Title = "Re-create the services and the host's ticket flags"
		svc.Commands = append(svc.Commands, cmd)
	}
	if len(svc.Commands) == 0 {
		svc.Notes = append(svc.Notes, "No services to re-create.")
	} else {
		svc.Notes = append(svc.Notes, "accessctl applies these as one plan (all or nothing) once "+f.New+" is enrolled.")
	}
	steps = append(steps, svc)
	hg := Step{N: StepHostgroups, ID: "hostgroups", Title: "Check the hostgroups and rules", Who: Accessctl, Where: "read-only"}
	var want []string
	for _, m := range f.NewHostgroups {
		want = append(want, m.Hostgroup)
	}
	if len(want) == 0 {
		hg.Notes = append(hg.Notes, "Expected: no hostgroups.")
	} else {
		hg.Notes = append(hg.Notes, "Expected hostgroups: "+strings.Join(want, ", ")+".")
	}
	hg.Notes = append(hg.Notes, "accessctl compares "+f.New+"'s hostgroups and HBAC/sudo rules with those announced above; if automember has not run, "+ipa.Command("automember-rebuild", "--type=hostgroup")+" fixes it.")
	steps = append(steps, hg)
	certs := Step{N: StepCerts, ID: "certificates", Title: "Fetch keytabs and re-issue certificates", Who: Operator, Where: on(f.New)}
	for _, s := range f.Services {
		certs.Commands = append(certs.Commands, "ipa-getkeytab -p "+q(s.Name+"/"+f.New)+" -k "+q(s.Keytab))
	}
	if f.HostCertificate {
		certs.Commands = append(certs.Commands, getcert(f, "host", "host"))
	}
	for _, s := range f.CertServices() {
		certs.Commands = append(certs.Commands, getcert(f, s.Name, strings.ToLower(s.Name)))
	}
	if len(certs.Commands) == 0 {
		certs.Notes = append(certs.Notes, "No service keytabs or certificates to re-issue.")
	} else {
		certs.Notes = append(certs.Notes, "Point each service's configuration at the new key and certificate files and restart it; check with: ipa-getcert list.")
	}
	return append(steps, certs)
}

func serviceAddCommand(f *Facts, s Service) string {
	args := []string{"service-add", s.Name + "/" + f.New}
	for _, v := range s.AuthzData {
		args = append(args, "--pac-type="+v)
	}
	for _, v := range s.AuthInd {
		args = append(args, "--auth-ind="+v)
	}
	return ipa.Command(append(args, ticketFlagOptions(s.TicketFlags)...)...)
}

// hostModCommand is `ipa host-mod NEW` with OLD's ticket flags, or "" when OLD had
// FreeIPA's default.
func hostModCommand(f *Facts) string {
	opts := ticketFlagOptions(f.HostTicketFlags)
	if len(opts) == 0 {
		return ""
	}
	return ipa.Command(append([]string{"host-mod", f.New}, opts...)...)
}

// The krbTicketFlags bits FreeIPA's host and service commands set, with their option
// and whether FreeIPA's default (no krbTicketFlags: 0x80) has them.
var ticketFlags = []struct {
	bit    int64
	option string
	dflt   bool
}{
	{0x00000080, "--requires-pre-auth", true},
	{0x00100000, "--ok-as-delegate", false},
	{0x00200000, "--ok-to-auth-as-delegate", false},
}

// ticketFlagOptions are the ipa options that give an entry the krbTicketFlags value
// flags: one per bit that differs from FreeIPA's default.
func ticketFlagOptions(flags string) []string {
	v, err := strconv.ParseInt(flags, 10, 64)
	if err != nil {
		return nil
	}
	var out []string
	for _, tf := range ticketFlags {
		if set := v&tf.bit != 0; set != tf.dflt {
			out = append(out, tf.option+"="+strconv.FormatBool(set))
		}
	}
	return out
}

func getcert(f *Facts, svc, file string) string {
	q := plan.ShellQuote
	return "ipa-getcert request -K " + q(svc+"/"+f.New) + " -D " + q(f.New) +
		" -k " + q("/etc/pki/tls/private/"+file+"-"+f.New+".key") + " -f " + q("/etc/pki/tls/certs/"+file+"-"+f.New+".crt")
}

// ServiceDN is the DN of svc/host@realm (freeipa-ldap.md §2.9).
func ServiceDN(principal, suffix string) string {
	return directory.Join("krbprincipalname", principal, directory.Services, suffix)
}

// ServiceEntry is `ipa service-add svc/NEW`: FreeIPA's service shape, managed by the host.
func ServiceEntry(f *Facts, s Service, hostDN string) *directory.Entry {
	p := f.NewPrincipal(s)
	A := directory.A
	e := directory.NewEntry(ServiceDN(p, f.Suffix),
		A("objectClass", "krbprincipal", "krbprincipalaux", "krbticketpolicyaux", "ipaobject", "ipaservice", "pkiuser", "ipakrbprincipal"),
		A("krbPrincipalName", p), A("krbCanonicalName", p), A("ipaKrbPrincipalAlias", p),
		A("managedBy", hostDN), A("ipaUniqueID", ipa.Autogenerate))
	if len(s.AuthzData) > 0 {
		e.Set("ipaKrbAuthzData", s.AuthzData...)
	}
	if len(s.AuthInd) > 0 {
		e.Set("krbPrincipalAuthInd", s.AuthInd...)
	}
	if s.TicketFlags != "" {
		e.Set("krbTicketFlags", s.TicketFlags)
	}
	return e
}

// PlanServices plans the services of NEW from the observation: services that already
// exist are unchanged. NEW's host entry must exist.
func PlanServices(f *Facts, ob *Observed) (*plan.Plan, error) {
	if ob.New == nil {
		return nil, fmt.Errorf("host %s is not enrolled yet", f.New)
	}
	p := &plan.Plan{Title: "re-create the services of " + f.Old + " for " + f.New}
	have := map[string]bool{}
	for _, e := range ob.NewServices {
		have[strings.ToLower(e.First("krbPrincipalName"))] = true
	}
	for _, s := range f.Services {
		pr := f.NewPrincipal(s)
		c := plan.Change{Action: plan.Create, Kind: "service", Name: pr, DN: ServiceDN(pr, f.Suffix),
			IPA: []string{serviceAddCommand(f, s)}}
		if have[strings.ToLower(pr)] {
			c.Action = plan.Unchanged
			c.Notes = []string{"exists"}
		} else {
			c.Entry = ServiceEntry(f, s, ob.New.DN)
			if s.Certificate {
				c.Notes = []string{"the old service held a certificate: re-issue it in step " + fmt.Sprint(StepCerts)}
			}
		}
		p.Add(c)
	}
	if c := hostFlagsChange(f, ob.New); c != nil {
		p.Add(*c)
	}
	return p, nil
}

// hostFlagsChange gives NEW's host entry OLD's krbTicketFlags, as `ipa host-mod` does
// (adding krbTicketPolicyAux, the class that allows the attribute); nil when they agree.
func hostFlagsChange(f *Facts, host *directory.Entry) *plan.Change {
	have := host.First("krbTicketFlags")
	if f.HostTicketFlags == "" || effectiveFlags(have) == effectiveFlags(f.HostTicketFlags) {
		return nil
	}
	c := &plan.Change{Action: plan.Modify, Kind: "host", Name: f.New, DN: host.DN,
		Before: map[string][]string{"krbticketflags": host.Get("krbTicketFlags")},
		Notes:  []string{fmt.Sprintf("krbTicketFlags %s as on %s (was %s)", f.HostTicketFlags, f.Old, orDefault(have))}}
	if cmd := hostModCommand(f); cmd != "" {
		c.IPA = []string{cmd}
	}
	if !host.HasObjectClass("krbticketpolicyaux") {
		c.Mods = append(c.Mods, directory.Mod{Op: directory.ModAdd, Attr: "objectClass", Values: []string{"krbticketpolicyaux"}})
	}
	c.Mods = append(c.Mods, directory.Mod{Op: directory.ModReplace, Attr: "krbTicketFlags", Values: []string{f.HostTicketFlags}})
	return c
}

// effectiveFlags is what the KDC applies: no krbTicketFlags means FreeIPA's default.
func effectiveFlags(flags string) int64 {
	v, err := strconv.ParseInt(flags, 10, 64)
	if err != nil {
		return ticketFlags[0].bit
	}
	return v
}

func orDefault(flags string) string {
	if flags == "" {
		return "FreeIPA's default"
	}
	return flags
}

// Leftovers lists what still exists of OLD: its host entry and services.
func Leftovers(ob *Observed) []string {
	var out []string
	if ob.Old != nil {
		out = append(out, "host "+ob.Old.First("fqdn"))
	}
	for _, e := range ob.OldServices {
		out = append(out, "service "+e.First("krbPrincipalName"))
	}
	return out
}

// CheckNew compares NEW's observed hostgroups and rules with those announced; it returns
// one line per difference.
func CheckNew(f *Facts, ob *Observed) []string {
	if ob.New == nil {
		return []string{"host " + f.New + " does not exist"}
	}
	hgBase := directory.NormalizeDN(directory.In(directory.Hostgroups, f.Suffix))
	have := map[string]bool{}
	for _, v := range ob.New.Get("memberOf") {
		if directory.NormalizeDN(directory.Parent(v)) == hgBase {
			have[strings.ToLower(directory.RDNValue(v))] = true
		}
	}
	want := map[string]bool{}
	for _, m := range f.NewHostgroups {
		want[m.Hostgroup] = true
	}
	var out []string
	for _, g := range sortedKeys(want) {
		if !have[g] {
			out = append(out, fmt.Sprintf("%s is not in hostgroup %s (announced: %s)", f.New, g, whyOf(f.NewHostgroups, g)))
		}
	}
	for _, g := range sortedKeys(have) {
		if !want[g] {
			out = append(out, fmt.Sprintf("%s is in hostgroup %s, which was not announced", f.New, g))
		}
	}
	got := reaching(ob.AccessRules, f.Suffix, have, ob.New.DN)
	gk := map[string]bool{}
	for _, r := range got {
		gk[r.Key()] = true
	}
	wk := map[string]bool{}
	for _, r := range f.NewRules {
		wk[r.Key()] = true
		if !gk[r.Key()] {
			out = append(out, fmt.Sprintf("%s rule %s does not reach %s (announced via %s)", r.Kind, r.Name, f.New, r.Via))
		}
	}
	for _, r := range got {
		if !wk[r.Key()] {
			out = append(out, fmt.Sprintf("%s rule %s reaches %s via %s, which was not announced", r.Kind, r.Name, f.New, r.Via))
		}
	}
	return out
}

func whyOf(ms []Membership, g string) string {
	for _, m := range ms {
		if m.Hostgroup == g {
			return m.Why
		}
	}
	return ""
}
