package automember

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/internal/cmdtest"
	am "github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/hostgroups"
	"github.com/accessctl/accessctl/pkg/ipa"
)

// run executes one automember verb over dir and returns its output, the directory
// operations it made and the exit code its error maps to.
func run(t *testing.T, dir directory.Client, args ...string) (stdout, stderr string, ops int64, code int) {
	t.Helper()
	f, out, errOut := cmdtest.Factory(t, dir)
	cmd := NewCmdAutomember(f)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		errOut.WriteString(err.Error() + "\n")
	}
	return out.String(), errOut.String(), f.Ops(), cmdutil.ExitCode(err)
}

// hostEntry is a host in FreeIPA's host_add shape (freeipa-ldap.md §2.4).
func hostEntry(fqdn, suffix string) *directory.Entry {
	dn := ipa.HostDN(fqdn, suffix)
	return directory.NewEntry(dn,
		directory.A("objectClass", "ipaobject", "nshost", "ipahost", "pkiuser", "ipaservice", "ieee802device",
			"ipasshhost", "krbprincipalaux", "krbprincipal"),
		directory.A("fqdn", fqdn), directory.A("cn", fqdn), directory.A("serverHostName", strings.SplitN(fqdn, ".", 2)[0]),
		directory.A("krbPrincipalName", "host/"+fqdn+"@EXAMPLE.TEST"), directory.A("krbCanonicalName", "host/"+fqdn+"@EXAMPLE.TEST"),
		directory.A("managedBy", dn), directory.A("ipaUniqueID", "autogenerate"))
}

// fixture makes a hostgroup and hosts with unique names (the live directory is shared)
// and removes them when the test ends.
type fixture struct {
	hg     string
	prefix string
	hosts  []string
}

func newFixture(t *testing.T, dir directory.Client) *fixture {
	t.Helper()
	ctx := context.Background()
	s := dir.Suffix()
	fx := &fixture{hg: cmdtest.Name("amt"), prefix: cmdtest.Name("am")}
	if _, err := dir.Add(ctx, ipa.Hostgroup(fx.hg, "automember test", s)); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"-web01", "-web02", "-db01"} {
		fx.addHost(t, dir, fx.prefix+n+".cp.lsst.org")
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_ = dir.Delete(ctx, ipa.AutomemberHostgroupDN(fx.hg, s))
		for _, h := range fx.hosts {
			_ = dir.Delete(ctx, ipa.HostDN(h, s))
		}
		_ = dir.Delete(ctx, ipa.HostgroupDN(fx.hg, s))
	})
	return fx
}

func (fx *fixture) addHost(t *testing.T, dir directory.Client, fqdn string) {
	t.Helper()
	if _, err := dir.Add(context.Background(), hostEntry(fqdn, dir.Suffix())); err != nil {
		t.Fatalf("add host %s: %v", fqdn, err)
	}
	fx.hosts = append(fx.hosts, fqdn)
}

func members(t *testing.T, dir directory.Client, hg string) []string {
	t.Helper()
	st, err := hostgroups.Read(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	g := st.Hostgroups[hg]
	if g == nil {
		t.Fatalf("hostgroup %s missing", hg)
	}
	return g.Members
}

// TestEnforce runs the scenario on the sandbox and on the live 389-ds: a condition
// added joins the matching hosts (preview = enforcement = the server's own rebuild), a new
// host lands by the server's automember, eviction is refused without --yes off a terminal,
// and applied with it.
func TestEnforce(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dir := b.Open(t)
			fx := newFixture(t, dir)
			web := fx.prefix + "-web01.cp.lsst.org"
			web2 := fx.prefix + "-web02.cp.lsst.org"
			re := `^` + fx.prefix + `-web[0-9]+\.cp\.lsst\.org$`

			// Preview, then add: the same hosts.
			pvOut, _, ops, code := run(t, dir, "preview", fx.hg, "--regex", re, "-o", "json")
			if code != 0 {
				t.Fatalf("preview exit %d", code)
			}
			if ops != hostgroups.Searches {
				t.Errorf("preview made %d operations, want %d searches", ops, hostgroups.Searches)
			}
			if !strings.Contains(pvOut, `"join": [`) || !strings.Contains(pvOut, web) || !strings.Contains(pvOut, web2) {
				t.Fatalf("preview:\n%s", pvOut)
			}
			_, stderr, ops, code := run(t, dir, "add", fx.hg, "--regex", re)
			if code != 0 {
				t.Fatalf("add exit %d: %s", code, stderr)
			}
			// 3 searches, 2 modifies (rule create + members), 3 searches to verify.
			if ops != 2*hostgroups.Searches+2 {
				t.Errorf("add made %d operations, want %d", ops, 2*hostgroups.Searches+2)
			}
			if got, want := members(t, dir, fx.hg), []string{web, web2}; !reflect.DeepEqual(got, want) {
				t.Fatalf("members after add %v, want %v", got, want)
			}
			// The server's own rebuild (cleanup: yes) agrees with the Go preview.
			if _, err := hostgroups.RunRebuild(ctx, dir, 200*time.Millisecond); err != nil {
				t.Fatalf("rebuild task: %v", err)
			}
			if got, want := members(t, dir, fx.hg), []string{web, web2}; !reflect.DeepEqual(got, want) {
				t.Fatalf("members after server rebuild %v, want %v", got, want)
			}

			// A new host whose fqdn matches lands in the hostgroup by the server's automember.
			web3 := fx.prefix + "-web03.cp.lsst.org"
			fx.addHost(t, dir, web3)
			if got := members(t, dir, fx.hg); !reflect.DeepEqual(got, []string{web, web2, web3}) {
				t.Fatalf("new host did not land: %v", got)
			}

			// rebuild of this hostgroup: nothing to change, verified.
			if _, stderr, _, code := run(t, dir, "rebuild", "--hostgroup", fx.hg); code != 0 || !strings.Contains(stderr, "verified: hostgroup "+fx.hg+" has exactly the 3 host(s)") {
				t.Fatalf("rebuild exit %d: %s", code, stderr)
			}

			// Eviction: refused off a terminal without --yes, nothing changed.
			excl := `^` + fx.prefix + `-web02\.`
			out, _, _, code := run(t, dir, "add", fx.hg, "--exclude", excl)
			if code != cmdutil.ExitCanceled {
				t.Fatalf("evicting add exit %d, want %d", code, cmdutil.ExitCanceled)
			}
			if !strings.Contains(out, "- member: "+"fqdn="+web2) {
				t.Errorf("plan does not show the eviction:\n%s", out)
			}
			if got := members(t, dir, fx.hg); len(got) != 3 {
				t.Fatalf("refused plan changed members: %v", got)
			}
			if _, stderr, _, code := run(t, dir, "add", fx.hg, "--exclude", excl, "--yes"); code != 0 {
				t.Fatalf("add --yes exit %d: %s", code, stderr)
			}
			if got := members(t, dir, fx.hg); !reflect.DeepEqual(got, []string{web, web3}) {
				t.Fatalf("members after eviction %v", got)
			}
			// test: the excluded name is explained.
			out, _, ops, _ = run(t, dir, "test", web2, "-o", "json")
			if ops != 1 || !strings.Contains(out, `"excluded_by": "fqdn=`+strings.ReplaceAll(excl, `\`, `\\`)+`"`) {
				t.Errorf("test (%d ops):\n%s", ops, out)
			}
			// delete evicts the rest.
			if _, stderr, _, code := run(t, dir, "delete", fx.hg, "--yes"); code != 0 {
				t.Fatalf("delete exit %d: %s", code, stderr)
			}
			if got := members(t, dir, fx.hg); len(got) != 0 {
				t.Fatalf("members after delete %v", got)
			}
		})
	}
}

// TestBadRegexRefused: every bad regex is refused with exit 2 before any directory
// operation.
func TestBadRegexRefused(t *testing.T) {
	bad := []string{`^a(?=b)`, `^a(?!b)`, `(?<=a)b`, `(a)\1`, `^a++`, `^a*+`, `[`, `(`, `^a{2,1}`, `\`, `^a\Z`, `^a{1001}`}
	// A hostgroup that does not exist: should a pattern slip through, nothing is changed.
	verbs := [][]string{{"add", "amtnope", "--regex"}, {"add", "amtnope", "--exclude"}, {"remove", "amtnope", "--regex"}, {"preview", "amtnope", "--regex"}}
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			for _, v := range verbs {
				for _, re := range bad {
					_, stderr, ops, code := run(t, dir, append(append([]string{}, v...), re, "--yes")...)
					if v[0] == "preview" {
						_, stderr, ops, code = run(t, dir, append(append([]string{}, v...), re)...)
					}
					if code != cmdutil.ExitUsage || ops != 0 {
						t.Errorf("%v %q: exit %d, %d ops, want 2 and 0: %s", v, re, code, ops, stderr)
					}
					if !strings.Contains(stderr, "invalid automember regex") {
						t.Errorf("%v %q: stderr %q", v, re, stderr)
					}
				}
			}
		})
	}
}

func TestNewCmdFlags(t *testing.T) {
	f, _, _ := cmdtest.Factory(t, cmdtest.Sandbox(t))
	tests := []struct {
		name    string
		cmd     func() (*cobra.Command, func() any)
		args    []string
		want    any
		wantErr string
	}{
		{name: "add", args: []string{"Amor", "--regex", "^a", "--regex", "^b", "--exclude", "-x"},
			wantErr: "must be lower case"},
		{name: "add ok", args: []string{"amor", "--regex", "^a", "--regex", "^b", "--exclude", "-x"},
			want: hostgroups.Edit{AddInclusive: []string{"^a", "^b"}, AddExclusive: []string{"-x"}}},
		{name: "add none", args: []string{"amor"}, wantErr: "at least one"},
		{name: "add dry-run and yes", args: []string{"amor", "--regex", "^a", "--dry-run", "--yes"}, wantErr: "cannot be used together"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *EditOptions
			cmd := NewCmdAdd(f, func(_ context.Context, o *EditOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Edit, tt.want) {
				t.Fatalf("edit = %+v, want %+v", got.Edit, tt.want)
			}
		})
	}
	t.Run("delete refuses before reading", func(t *testing.T) {
		called := false
		cmd := NewCmdDelete(f, func(context.Context, *DeleteOptions) error { called = true; return nil })
		cmd.SetArgs([]string{"amor"})
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if cmdutil.ExitCode(err) != cmdutil.ExitCanceled || called {
			t.Fatalf("delete without --yes: err %v, ran %v", err, called)
		}
	})
}

// TestLintSeeded checks lint's findings, exit code and --fix-escapes on a seeded directory
// (the sandbox and the live 389-ds).
func TestLintSeeded(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dir := b.Open(t)
			fx := newFixture(t, dir)
			p := fx.prefix
			// Stored behind accessctl's back, as `ipa automember-add-condition` would: not enforced.
			rule := ipa.AutomemberHostgroupRule(fx.hg, []string{p + `-web`, `^` + p + `-db01.cp.lsst.org$`, `^` + p + `-nothing`}, nil, "fqdn", dir.Suffix())
			if _, err := dir.Add(ctx, rule); err != nil {
				t.Fatal(err)
			}
			out, _, ops, code := run(t, dir, "lint", fx.hg, "-o", "json")
			if code != cmdutil.ExitFindings {
				t.Fatalf("lint exit %d, want 5", code)
			}
			if ops != hostgroups.Searches {
				t.Errorf("lint made %d operations", ops)
			}
			for _, want := range []string{
				`"id": "automember-unanchored"`, `"condition:fqdn=` + p + `-web"`,
				`"id": "automember-unescaped-dot"`, `"id": "automember-no-match"`, `"condition:fqdn=^` + p + `-nothing"`,
				`"id": "automember-missing-member"`, `"host:` + p + `-web01.cp.lsst.org"`,
			} {
				if !strings.Contains(out, want) {
					t.Errorf("lint output lacks %s:\n%s", want, out)
				}
			}
			// --fix-escapes: a plan that escapes the dots (and enforces the rule), applied.
			out, stderr, _, code := run(t, dir, "lint", fx.hg, "--fix-escapes", "--yes")
			if code != cmdutil.ExitFindings || !strings.Contains(out, `+ automemberInclusiveRegex: fqdn=^`+p+`-db01\.cp\.lsst\.org$`) {
				t.Fatalf("fix-escapes exit %d:\n%s\n%s", code, out, stderr)
			}
			st, err := hostgroups.Read(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			if !hasRegex(st.Rules[fx.hg].Inclusive, `^`+p+`-db01\.cp\.lsst\.org$`) {
				t.Fatalf("rule after fix: %+v", st.Rules[fx.hg].Inclusive)
			}
			if mm, _ := st.Verify([]string{fx.hg}); len(mm) != 0 {
				t.Fatalf("not enforced after fix: %+v", mm)
			}
		})
	}
}

func hasRegex(cs []am.Condition, re string) bool {
	for _, c := range cs {
		if c.Regex == re {
			return true
		}
	}
	return false
}

// TestCommonSubsetOnServer checks that regexes Validate accepts mean the same to the
// server (PCRE2, through its own rebuild task) as to the Go preview.
func TestCommonSubsetOnServer(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dir := b.Open(t)
			fx := newFixture(t, dir)
			p := fx.prefix
			for _, n := range []string{"-WEB7", "-web10", "-web2-test", "-db.x", "-dbax", "-a_b"} {
				fx.addHost(t, dir, strings.ToLower(p+n)+".cp.lsst.org")
			}
			patterns := []string{
				`^` + p + `-web[0-9]+\.cp\.lsst\.org$`,
				`^` + p + `-web\d{2}\.`,
				`^` + p + `-(web|db)01\.`,
				`^` + p + `-db.x`,
				`^` + p + `-db\.x`,
				`(?i)^` + strings.ToUpper(p) + `-WEB`,
				p + `-[^w][a-z]+01`,
				`^` + p + `-web[[:digit:]]+-test\.`,
				`^` + p + `-a_b\.cp\.lsst\.org$`,
				`^` + p + `-web0?1\.`,
				`^` + p + `-w.{2}\d\b`,
			}
			for _, re := range patterns {
				st, err := hostgroups.Read(ctx, dir)
				if err != nil {
					t.Fatal(err)
				}
				rule := st.Rules[fx.hg]
				if err := am.Validate(re); err != nil {
					t.Fatalf("pattern %q should be in the common subset: %v", re, err)
				}
				pv, err := st.Preview(ruleFor(fx.hg, re))
				if err != nil {
					t.Fatalf("%q: %v", re, err)
				}
				e := ipa.AutomemberHostgroupRule(fx.hg, []string{re}, nil, "fqdn", dir.Suffix())
				if rule == nil {
					_, err = dir.Add(ctx, e)
				} else {
					err = dir.Modify(ctx, rule.DN, []directory.Mod{{Op: directory.ModReplace, Attr: "automemberInclusiveRegex", Values: e.Get("automemberInclusiveRegex")}})
				}
				if err != nil {
					t.Fatalf("%q: store rule: %v", re, err)
				}
				if _, err := hostgroups.RunRebuild(ctx, dir, 200*time.Millisecond); err != nil {
					t.Fatalf("%q: rebuild: %v", re, err)
				}
				got := members(t, dir, fx.hg)
				if len(got) == 0 {
					got = nil
				}
				if !reflect.DeepEqual(got, pv.Expected) {
					t.Errorf("%q: server put %v in the hostgroup, the Go preview said %v", re, got, pv.Expected)
				}
			}
		})
	}
}

func ruleFor(hg, re string) am.Rule {
	return am.Rule{Name: hg, Inclusive: []am.Condition{am.FQDN(re)}}
}
