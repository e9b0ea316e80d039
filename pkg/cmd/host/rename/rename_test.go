package rename

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/rename"
	"github.com/accessctl/accessctl/pkg/rename/renametest"
)

type result struct {
	out, errOut string
	ops         int64
	err         error
	code        int
}

// prompter answers Confirm with the next answer; it fails the test when it runs out.
type prompter struct {
	t       *testing.T
	answers []bool
	asked   []string
}

func (p *prompter) Confirm(_ context.Context, q string, _ bool) (bool, error) {
	p.asked = append(p.asked, q)
	if len(p.answers) == 0 {
		p.t.Fatalf("unexpected question %q", q)
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	return a, nil
}

func run(t *testing.T, dir directory.Client, pr *prompter, args ...string) result {
	t.Helper()
	f, out, errOut := cmdtest.Factory(t, dir)
	if pr != nil {
		f.IO.SetStdinTTY(true)
		f.IO.SetStdoutTTY(true)
		f.Prompter = pr
	}
	cmd := NewCmdRename(f, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true // as under the root command
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	err := cmd.ExecuteContext(context.Background())
	return result{out: out.String(), errOut: errOut.String(), ops: f.Ops(), err: err, code: cmdutil.ExitCode(err)}
}

func setup(t *testing.T, b cmdtest.Backend) (directory.Client, *renametest.Fixture, string) {
	t.Helper()
	state := t.TempDir()
	t.Setenv("ACCESSCTL_STATE_DIR", state)
	dir := b.Open(t)
	realm := "EXAMPLE.TEST"
	if b.Name == "live" {
		realm = os.Getenv("ACCESSCTL_TEST_REALM")
	}
	return dir, renametest.New(t, dir, cmdtest.Name("rn"), realm), state
}

func loadState(t *testing.T, state, old, new string) *rename.State {
	t.Helper()
	st, err := rename.LoadState(state, old, new)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func want(t *testing.T, r result, code int, stdout, stderr string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d (%v), want %d\nstdout:\n%s\nstderr:\n%s", r.code, r.err, code, r.out, r.errOut)
	}
	msg := r.errOut
	if r.err != nil {
		msg += r.err.Error()
	}
	if stdout != "" && !strings.Contains(r.out, stdout) {
		t.Errorf("stdout lacks %q:\n%s", stdout, r.out)
	}
	if stderr != "" && !strings.Contains(msg, stderr) {
		t.Errorf("stderr/error lacks %q:\n%s", stderr, msg)
	}
}

func hostEntry(t *testing.T, dir directory.Client, fqdn string) *directory.Entry {
	t.Helper()
	es, err := dir.Search(context.Background(), directory.SearchRequest{
		BaseDN: ipa.HostDN(fqdn, dir.Suffix()), Scope: directory.ScopeBase,
		Attributes: []string{"objectClass", "krbTicketFlags"},
	})
	if err != nil || len(es) != 1 {
		t.Fatalf("read host %s: %v", fqdn, err)
	}
	return es[0]
}

func serviceEntries(t *testing.T, dir directory.Client, fqdn string) []*directory.Entry {
	t.Helper()
	es, err := dir.Search(context.Background(), directory.SearchRequest{
		BaseDN: directory.In(directory.Services, dir.Suffix()), Scope: directory.ScopeOne,
		Filter: "(krbPrincipalName=*/" + directory.EscapeFilterValue(fqdn) + "@*)",
	})
	if err != nil && !directory.IsNotFound(err) {
		t.Fatal(err)
	}
	return es
}

// TestWalk renames a host with two services (one with a certificate) and three
// hostgroups off a terminal, interrupting and resuming at every step.
func TestWalk(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir, fx, state := setup(t, b)
			old, new := fx.Old, fx.Same
			st := func() *rename.State { return loadState(t, state, old, new) }

			// First run: shows step 1 and waits; nothing is saved yet.
			r := run(t, dir, nil, old, new, "--service-keytab", "HTTP=/etc/httpd/conf/ipa.keytab")
			want(t, r, 0, "### 1. Stop puppet", "--step-done 1")
			if r.ops != rename.Searches {
				t.Errorf("first run made %d operations, want %d searches", r.ops, rename.Searches)
			}
			if st().Exists() {
				t.Fatal("state saved before any step was done")
			}
			// Operator steps out of order are refused.
			want(t, run(t, dir, nil, old, new, "--step-done", "3"), 2, "", "step 3 is not the next step: step 1 is")
			want(t, run(t, dir, nil, old, new, "--step-done", "2"), 2, "", "done by accessctl itself")

			// Step 1 done: accessctl records the facts (step 2) and stops at step 3.
			r = run(t, dir, nil, old, new, "--step-done", "1", "--service-keytab", "HTTP=/etc/httpd/conf/ipa.keytab")
			want(t, r, 0, "### 3. Unenroll the host", "Recorded 2 service(s), 3 hostgroup(s)")
			s := st()
			if s.Next() != rename.StepUnenroll || s.Facts == nil {
				t.Fatalf("after step 1: next %d facts %v", s.Next(), s.Facts != nil)
			}
			fi, err := os.Stat(s.Path())
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("state file %s: %v %v", s.Path(), fi.Mode(), err)
			}
			if filepath.Base(s.Path()) != old+"__"+new+".json" {
				t.Errorf("state file name %s", s.Path())
			}
			if len(s.Facts.CertServices()) != 1 || s.Facts.Services[0].Keytab != "/etc/httpd/conf/ipa.keytab" {
				t.Errorf("facts: %+v", s.Facts.Services)
			}

			want(t, run(t, dir, nil, old, new, "--step-done", "3"), 0, "ipa-rmkeytab -k /etc/httpd/conf/ipa.keytab -r "+fx.Realm, "")
			want(t, run(t, dir, nil, old, new, "--step-done", "4"), 0, "ipa host-del "+old, "--step-done 5")
			// The host still exists: step 5 is refused and nothing is recorded.
			want(t, run(t, dir, nil, old, new, "--step-done", "5"), 3, "", "still exists")
			if st().Next() != rename.StepHostDel {
				t.Fatalf("refused step 5 was recorded")
			}
			fx.HostDel(t, old) // the operator's `ipa host-del`
			want(t, run(t, dir, nil, old, new, "--status", "-o", "json"), 0, `"next": 5`, "")
			want(t, run(t, dir, nil, old, new, "--step-done", "5"), 0, "hostnamectl set-hostname "+new, "")
			want(t, run(t, dir, nil, old, new, "--step-done", "6"), 0, "### 7. Re-enroll", "")
			want(t, run(t, dir, nil, old, new, "--step-done", "7"), 3, "", "not enrolled")
			fx.Enroll(t, new) // ipa-client-install on the renamed machine

			// Step 8 is a plan (two services, the host's ticket flags): interrupted at each
			// write it leaves nothing and step 8 pending.
			for failAt := int64(1); failAt <= 3; failAt++ {
				args := []string{old, new}
				if failAt == 1 {
					args = append(args, "--step-done", "7")
				}
				r = run(t, directory.NewFaulty(dir, failAt), nil, args...)
				want(t, r, 1, "", "injected fault")
				if st().Next() != rename.StepServices {
					t.Fatalf("fault at %d: next %d, want %d", failAt, st().Next(), rename.StepServices)
				}
				if got := serviceEntries(t, dir, new); len(got) != 0 {
					t.Fatalf("fault at %d left %d service(s)", failAt, len(got))
				}
				if h := hostEntry(t, dir, new); h.First("krbTicketFlags") != "" || h.HasObjectClass("krbticketpolicyaux") {
					t.Fatalf("fault at %d left the host's ticket flags: %+v", failAt, h)
				}
			}
			// Resumed: the services are made, the hostgroups check out, step 10 waits.
			r = run(t, dir, nil, old, new)
			want(t, r, 0, "2 to create", "has the announced hostgroups and rules")
			if !strings.Contains(r.out, "krbTicketFlags "+renametest.TicketFlags+" as on "+old) {
				t.Errorf("plan lacks the host's ticket flags:\n%s", r.out)
			}
			if h := hostEntry(t, dir, new); h.First("krbTicketFlags") != renametest.TicketFlags || !h.HasObjectClass("krbticketpolicyaux") {
				t.Errorf("%s: krbTicketFlags %q, want %s as on %s", new, h.First("krbTicketFlags"), renametest.TicketFlags, old)
			}
			if !strings.Contains(r.out, "ipa-getcert request -K HTTP/"+new) || strings.Contains(r.out, "ipa-getcert request -K nfs/") {
				t.Errorf("step 10 must re-issue the HTTP certificate only:\n%s", r.out)
			}
			svcs := serviceEntries(t, dir, new)
			if len(svcs) != 2 {
				t.Fatalf("%d services for %s, want 2", len(svcs), new)
			}
			for _, e := range svcs {
				for _, oc := range []string{"krbprincipal", "krbprincipalaux", "krbticketpolicyaux", "ipaobject", "ipaservice", "pkiuser", "ipakrbprincipal"} {
					if !e.HasObjectClass(oc) {
						t.Errorf("%s lacks objectClass %s", e.DN, oc)
					}
				}
				p := e.First("krbPrincipalName")
				if e.First("krbCanonicalName") != p || e.First("ipaKrbPrincipalAlias") != p || !directory.EqualDN(e.First("managedBy"), ipa.HostDN(new, dir.Suffix())) {
					t.Errorf("service shape: %+v", e)
				}
				if e.First("ipaUniqueID") == "" || e.First("ipaUniqueID") == ipa.Autogenerate {
					t.Errorf("%s ipaUniqueID %q", e.DN, e.First("ipaUniqueID"))
				}
				wantFlags := map[bool]string{true: renametest.TicketFlags}[strings.HasPrefix(p, "nfs/")]
				if e.First("krbTicketFlags") != wantFlags {
					t.Errorf("%s krbTicketFlags %q, want %q", p, e.First("krbTicketFlags"), wantFlags)
				}
			}
			want(t, run(t, dir, nil, old, new, "--step-done", "10"), 0, "", "complete")
			r = run(t, dir, nil, old, new, "--status", "-o", "json")
			var v StatusView
			if err := json.Unmarshal([]byte(r.out), &v); err != nil {
				t.Fatal(err)
			}
			if !v.Complete || !v.FactsSaved || len(v.Steps) != rename.NumSteps {
				t.Errorf("status: %+v", v)
			}
			// Running it again changes nothing.
			r = run(t, dir, nil, old, new)
			want(t, r, 0, "", "complete")
		})
	}
}

func TestAccessChange(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir, fx, state := setup(t, b)
			p := fx.P
			r := run(t, dir, nil, fx.Old, fx.Other)
			want(t, r, 3, "", "--accept-access-change")
			for _, l := range []string{"loses hostgroup " + p + "a", "loses sudo rule " + p + "-sudo", "gains hostgroup " + p + "d", "gains hbac rule " + p + "-web"} {
				if !strings.Contains(r.errOut, l) {
					t.Errorf("warning lacks %q:\n%s", l, r.errOut)
				}
			}
			if loadState(t, state, fx.Old, fx.Other).Exists() {
				t.Error("refused run saved state")
			}
			want(t, run(t, dir, nil, fx.Old, fx.Other, "--print"), 0, "**ACCESS CHANGES.**", "")
			want(t, run(t, dir, nil, fx.Old, fx.Other, "--accept-access-change"), 0, "### 1. Stop puppet", "")
			// Accepted once, remembered.
			want(t, run(t, dir, nil, fx.Old, fx.Other, "--step-done", "1"), 0, "### 3.", "")
		})
	}
}

func TestInteractive(t *testing.T) {
	b := cmdtest.Backends(t)[0]
	dir, fx, state := setup(t, b)
	pr := &prompter{t: t, answers: []bool{true, true, true, true}}
	// Steps 1, 3, 4 confirmed; step 5 confirmed but the host still exists: refused.
	r := run(t, dir, pr, fx.Old, fx.Same)
	want(t, r, 3, "### 5. Delete the host entry", "still exists")
	if strings.Contains(r.out, "--step-done") {
		t.Errorf("on a terminal the steps are confirmed, not recorded with --step-done:\n%s", r.out)
	}
	if got := loadState(t, state, fx.Old, fx.Same).Next(); got != rename.StepHostDel {
		t.Fatalf("next %d, want 5", got)
	}
	fx.HostDel(t, fx.Old)
	// Step 5 confirmed, step 6 answered no: stops there.
	pr = &prompter{t: t, answers: []bool{true, false}}
	want(t, run(t, dir, pr, fx.Old, fx.Same), 0, "hostnamectl", "Stopped at step 6")
	if got := loadState(t, state, fx.Old, fx.Same).Next(); got != rename.StepHostname {
		t.Fatalf("next %d, want 6", got)
	}
	if len(pr.asked) != 2 {
		t.Errorf("asked %v", pr.asked)
	}
}

func TestFromStepNeedsFacts(t *testing.T) {
	b := cmdtest.Backends(t)[0]
	dir, fx, state := setup(t, b)
	// --from-step 5 on a fresh rename: the record step still runs first.
	r := run(t, dir, nil, fx.Old, fx.Same, "--from-step", "5")
	want(t, r, 0, "### 5. Delete the host entry", "Recorded 2 service(s)")
	if st := loadState(t, state, fx.Old, fx.Same); st.Facts == nil || st.Next() != rename.StepHostDel {
		t.Fatalf("after --from-step 5: next %d facts %v", st.Next(), st.Facts != nil)
	}
	// A state whose steps 1-4 are done but holds no facts (edited by hand, or lost): the
	// host-deletion step is refused, even with the host gone.
	st := loadState(t, state, fx.Old, fx.Same)
	st.Facts = nil
	if err := st.Save(); err != nil {
		t.Fatal(err)
	}
	want(t, run(t, dir, nil, fx.Old, fx.Same), 3, "### 5.", "are not saved")
	fx.HostDel(t, fx.Old)
	want(t, run(t, dir, nil, fx.Old, fx.Same, "--step-done", "5"), 2, "", "no facts were recorded")
	if loadState(t, state, fx.Old, fx.Same).IsDone(rename.StepHostDel) {
		t.Fatal("step 5 recorded without facts")
	}
}

func TestServerRefused(t *testing.T) {
	b := cmdtest.Backends(t)[0]
	dir, fx, state := setup(t, b)
	// ipa1 is under cn=masters and in ipaservers.
	r := run(t, dir, nil, "ipa1.example.test", "ipa3.example.test")
	want(t, r, 2, "ipa-server-install --uninstall", "is an IPA server")
	if !strings.Contains(r.out, "ipa-replica-install --setup-ca") || !strings.Contains(r.out, "ipactl stop") {
		t.Errorf("replica procedure incomplete:\n%s", r.out)
	}
	// A host only in the ipaservers hostgroup is a server too; --print refuses as well.
	if err := dir.Modify(context.Background(), ipa.HostgroupDN("ipaservers", dir.Suffix()),
		[]directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{ipa.HostDN(fx.Old, dir.Suffix())}}}); err != nil {
		t.Fatal(err)
	}
	want(t, run(t, dir, nil, fx.Old, fx.Same, "--print"), 2, "member of hostgroup ipaservers", "cannot be renamed")
	if loadState(t, state, fx.Old, fx.Same).Exists() {
		t.Error("refused rename saved state")
	}
}

func TestBadInput(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir, fx, state := setup(t, b)
			tests := []struct {
				name string
				args []string
				ops  int64
				msg  string
			}{
				{"bad old", []string{"not_a_host", fx.Same}, 0, "not_a_host"},
				{"bad new", []string{fx.Old, "single-label"}, 0, "fully qualified"},
				{"bad new chars", []string{fx.Old, "a*b.example.test"}, 0, "not allowed"},
				{"same", []string{fx.Old, strings.ToUpper(fx.Old) + "."}, 0, "same host"},
				{"old missing", []string{"nosuch-" + fx.P + ".example.test", fx.Same}, rename.Searches, "does not exist"},
				{"bad from-step", []string{fx.Old, fx.Same, "--from-step", "11"}, 0, "between 1 and 10"},
				{"bad keytab", []string{fx.Old, fx.Same, "--service-keytab", "HTTP=relative"}, 0, "--service-keytab"},
				{"print with step-done", []string{fx.Old, fx.Same, "--print", "--step-done", "1"}, 0, "changes nothing"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := run(t, dir, nil, tt.args...)
					want(t, r, 2, "", tt.msg)
					if r.ops != tt.ops {
						t.Errorf("%d directory operations, want %d", r.ops, tt.ops)
					}
				})
			}
			t.Run("new enrolled", func(t *testing.T) {
				fx.Enroll(t, fx.Same)
				r := run(t, dir, nil, fx.Old, fx.Same)
				want(t, r, 2, "", "already enrolled")
			})
			entries, _ := os.ReadDir(filepath.Join(state, "rename"))
			if len(entries) != 0 {
				t.Errorf("bad input saved state: %v", entries)
			}
		})
	}
}

// TestHostgroupCheck: NEW missing an announced hostgroup stops the run at step 9 with
// findings (exit 5); once fixed, the same command continues.
func TestHostgroupCheck(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir, fx, state := setup(t, b)
			old, new := fx.Old, fx.Same
			want(t, run(t, dir, nil, old, new, "--from-step", "5"), 0, "### 5.", "")
			fx.HostDel(t, old)
			want(t, run(t, dir, nil, old, new, "--step-done", "5"), 0, "", "")
			want(t, run(t, dir, nil, old, new, "--step-done", "6"), 0, "", "")
			// An exclusive condition keeps NEW out of hostgroup c (automember does not place it).
			rule := ipa.AutomemberHostgroupDN(fx.P+"c", dir.Suffix())
			excl := []directory.Mod{{Op: directory.ModAdd, Attr: "automemberExclusiveRegex", Values: []string{"fqdn=^" + strings.ReplaceAll(new, ".", `\.`) + "$"}}}
			if err := dir.Modify(context.Background(), rule, excl); err != nil {
				t.Fatal(err)
			}
			fx.Enroll(t, new)
			r := run(t, dir, nil, old, new, "--step-done", "7")
			want(t, r, 5, "", "is not in hostgroup "+fx.P+"c")
			if !strings.Contains(r.errOut, "sudo rule "+fx.P+"-sudo does not reach "+new) {
				t.Errorf("missing rule finding:\n%s", r.errOut)
			}
			if got := loadState(t, state, old, new).Next(); got != rename.StepHostgroups {
				t.Fatalf("next %d, want %d", got, rename.StepHostgroups)
			}
			// Fixed: the condition goes, NEW joins c; the same command continues.
			excl[0].Op = directory.ModDelete
			if err := dir.Modify(context.Background(), rule, excl); err != nil {
				t.Fatal(err)
			}
			member := []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{ipa.HostDN(new, dir.Suffix())}}}
			if err := dir.Modify(context.Background(), ipa.HostgroupDN(fx.P+"c", dir.Suffix()), member); err != nil {
				t.Fatal(err)
			}
			want(t, run(t, dir, nil, old, new), 0, "### 10.", "has the announced hostgroups")
		})
	}
}
