package offboard_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/user/create"
	"github.com/accessctl/accessctl/pkg/cmd/user/offboard"
	"github.com/accessctl/accessctl/pkg/cmd/user/reinstate"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/ldapdir"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

var ctx = context.Background()

// fixture is a user with every kind of direct reference offboarding must remove.
type fixture struct {
	login, dn string
	cluster   string
	created   []string // DNs to delete on cleanup (live)
}

func add(t *testing.T, dir directory.Client, e *directory.Entry) string {
	t.Helper()
	dn, err := dir.Add(ctx, e)
	if err != nil {
		t.Fatalf("add %s: %v", e.DN, err)
	}
	return dn
}

func modify(t *testing.T, dir directory.Client, dn string, mods ...directory.Mod) {
	t.Helper()
	if err := dir.Modify(ctx, dn, mods); err != nil {
		t.Fatalf("modify %s: %v", dn, err)
	}
}

// setup makes: cluster groups C and C-sudo (the user joins both through `user create
// --cluster C:sudo`), a sudoto group, a group nesting C (indirect access), an HBAC rule
// naming the user directly, a sudo rule naming the user as user and run-as user,
// member-manager rights on C, and a role.
func setup(t *testing.T, dir directory.Client) *fixture {
	t.Helper()
	s := dir.Suffix()
	conv := siteconv.Default()
	fx := &fixture{login: cmdtest.Name("ob"), cluster: cmdtest.Name("cl")}
	fx.dn = ipa.UserDN(fx.login, s)
	n := conv.ClusterNames(fx.cluster)
	sudotoGroup, _ := conv.SudotoNames(fx.cluster, "rol"+fx.cluster[2:])
	nest := cmdtest.Name("nest")
	for _, g := range []string{n.Group, n.SudoGroup, sudotoGroup, nest} {
		fx.created = append(fx.created, add(t, dir, ipa.PosixGroup(g, g+" test group", ipa.DNAMagic, s)))
	}
	t.Cleanup(func() {
		for i := len(fx.created) - 1; i >= 0; i-- {
			_ = dir.Delete(ctx, fx.created[i])
		}
		_ = dir.Delete(ctx, fx.dn)
		_ = dir.Delete(ctx, ipa.GroupDN(fx.login, s))
	})
	f, _, errOut := cmdtest.Factory(t, dir)
	cmd := create.NewCmdCreate(f, nil)
	key := filepath.Join(t.TempDir(), "k.pub")
	os.WriteFile(key, []byte(testKey+"\n"), 0o600)
	cmd.SetArgs([]string{fx.login, "--first", "Olga", "--last", "Board", "--cluster", fx.cluster + ":sudo", "--ssh-key", key, "--yes"})
	if err := cmd.ExecuteContext(ctx); err != nil {
		t.Fatalf("user create: %v\n%s", err, errOut)
	}
	modify(t, dir, ipa.GroupDN(sudotoGroup, s), directory.Mod{Op: directory.ModAdd, Attr: "member", Values: []string{fx.dn}})
	modify(t, dir, ipa.GroupDN(nest, s), directory.Mod{Op: directory.ModAdd, Attr: "member", Values: []string{ipa.GroupDN(n.Group, s)}})
	modify(t, dir, ipa.GroupDN(n.Group, s), directory.Mod{Op: directory.ModAdd, Attr: "memberManager", Values: []string{fx.dn}})
	role := cmdtest.Name("role")
	fx.created = append(fx.created,
		add(t, dir, ipa.HBACRule(cmdtest.Name("hb"), []string{fx.dn}, nil, s)),
		add(t, dir, ipa.SudoRule(ipa.SudoRuleSpec{Name: cmdtest.Name("su"), CmdAll: true, UserDNs: []string{fx.dn},
			RunAsUserDNs: []string{fx.dn}}, s)),
		add(t, dir, directory.NewEntry(directory.Join("cn", role, directory.Roles, s),
			directory.A("objectClass", "groupofnames", "nestedgroup"), directory.A("cn", role), directory.A("member", fx.dn))),
	)
	return fx
}

func refsFilter(dn string) string {
	d := directory.EscapeFilterValue(dn)
	return "(|(member=" + d + ")(memberUser=" + d + ")(memberManager=" + d + ")(ipaSudoRunAs=" + d + ")(managedBy=" + d + "))"
}

// snapshot is the user's state and every reference to it, as comparable text.
func snapshot(t *testing.T, dir directory.Client, dn string) (user *directory.Entry, refs []string) {
	t.Helper()
	us, err := dir.Search(ctx, directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase, Filter: "(objectClass=*)",
		Attributes: []string{"uid", "uidNumber", "gidNumber", "nsAccountLock", "memberOf", "ipaSshPubKey"}})
	if err != nil || len(us) != 1 {
		t.Fatalf("read user %s: %v (%d entries)", dn, err, len(us))
	}
	es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: dir.Suffix(), Scope: directory.ScopeSub,
		Filter: refsFilter(dn), Attributes: []string{"member", "memberUser", "memberManager", "ipaSudoRunAs", "managedBy"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		for _, a := range []string{"member", "memberUser", "memberManager", "ipaSudoRunAs", "managedBy"} {
			for _, v := range e.Get(a) {
				if directory.EqualDN(v, dn) {
					refs = append(refs, directory.NormalizeDN(e.DN)+" "+strings.ToLower(a))
				}
			}
		}
	}
	sort.Strings(refs)
	return us[0], refs
}

func norm(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = directory.NormalizeDN(v)
	}
	sort.Strings(out)
	return out
}

func runOffboard(t *testing.T, dir directory.Client, records string, args ...string) (string, string, int64, error) {
	t.Helper()
	f, out, errOut := cmdtest.Factory(t, dir)
	cmd := offboard.NewCmdOffboard(f, nil)
	cmd.SetArgs(append(args, "--records", records))
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	err := cmd.ExecuteContext(ctx)
	return out.String(), errOut.String(), f.Ops(), err
}

func TestOffboardReinstate(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			fx := setup(t, dir)
			records := filepath.Join(t.TempDir(), "records")
			if b.Name == "live" {
				setPassword(t, dir, fx.dn)
				if err := simpleBind(t, fx.dn); err != nil {
					t.Fatalf("user's bind before offboarding: %v", err)
				}
			}
			before, beforeRefs := snapshot(t, dir, fx.dn)
			if len(beforeRefs) != 9 {
				t.Fatalf("fixture has %d references, want 9: %v", len(beforeRefs), beforeRefs)
			}

			// Off a terminal without --yes: refused before any directory call.
			_, _, ops, err := runOffboard(t, dir, records, fx.login)
			if cmdutil.ExitCode(err) != cmdutil.ExitCanceled || ops != 0 {
				t.Fatalf("no --yes: err %v (exit %d), %d ops; want exit 3 and 0 ops", err, cmdutil.ExitCode(err), ops)
			}

			// Dry run: the plan, nothing changed, no record.
			stdout, _, _, err := runOffboard(t, dir, records, fx.login, "--dry-run")
			if err != nil {
				t.Fatalf("dry run: %v", err)
			}
			for _, want := range []string{"(dry run)", "nsAccountLock: TRUE", "indirect access that goes away", "group " + "nest",
				"0 to create, 8 to modify, 0 to delete"} {
				if !strings.Contains(stdout, want) {
					t.Errorf("dry-run plan lacks %q:\n%s", want, stdout)
				}
			}
			if u, r := snapshot(t, dir, fx.dn); strings.Join(r, "|") != strings.Join(beforeRefs, "|") || u.First("nsAccountLock") != before.First("nsAccountLock") {
				t.Fatalf("dry run changed the directory")
			}
			if _, err := os.Stat(records); err == nil {
				t.Errorf("dry run created the records directory")
			}

			// The offboarding: whoami + one search + one modify per entry (user + 7 entries).
			stdout, stderr, ops, err := runOffboard(t, dir, records, fx.login, "--yes", "--disable-otp", "--remove-ssh-keys")
			if err != nil {
				t.Fatalf("offboard: %v\n%s", err, stderr)
			}
			if !strings.Contains(stdout, "- ipaSshPubKey: "+testKey) || !strings.Contains(stdout, "--disable-otp: the user owns no OTP tokens") {
				t.Errorf("plan lacks the SSH key removal or the OTP note:\n%s", stdout)
			}
			if ops != 10 {
				t.Errorf("offboard used %d operations, want 10 (whoami, 1 search, 8 modifies)", ops)
			}
			after, afterRefs := snapshot(t, dir, fx.dn)
			if !strings.EqualFold(after.First("nsAccountLock"), "TRUE") {
				t.Errorf("nsAccountLock = %q, want TRUE", after.First("nsAccountLock"))
			}
			if k := after.Get("ipaSshPubKey"); len(k) != 0 {
				t.Errorf("ssh keys left: %v", k)
			}
			if m := after.Get("memberOf"); len(m) != 0 {
				t.Errorf("memberOf left after offboarding: %v", m)
			}
			if len(afterRefs) != 0 {
				t.Errorf("references left after offboarding: %v", afterRefs)
			}
			if after.First("uidNumber") != before.First("uidNumber") || after.First("gidNumber") != before.First("gidNumber") {
				t.Errorf("uid/gid changed: %s/%s -> %s/%s", before.First("uidNumber"), before.First("gidNumber"), after.First("uidNumber"), after.First("gidNumber"))
			}
			if es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: ipa.GroupDN(fx.login, dir.Suffix()), Scope: directory.ScopeBase, Filter: "(objectClass=posixGroup)"}); err != nil || len(es) != 1 {
				t.Errorf("private group gone after offboarding: %v", err)
			}
			if b.Name == "live" {
				err := simpleBind(t, fx.dn)
				if directory.CodeOf(err) != directory.CodeUnwillingToPerform || !strings.Contains(strings.ToLower(err.Error()), "inactivated") {
					t.Errorf("disabled user's bind: %v; want result 53 account inactivated", err)
				}
			}
			files, _ := filepath.Glob(filepath.Join(records, fx.login+"-*.json"))
			if len(files) != 1 {
				t.Fatalf("records: %v, want one", files)
			}
			if fi, _ := os.Stat(files[0]); fi.Mode().Perm() != 0o600 {
				t.Errorf("record mode %v, want 0600", fi.Mode().Perm())
			}
			if fi, _ := os.Stat(records); fi.Mode().Perm() != 0o700 {
				t.Errorf("records dir mode %v, want 0700", fi.Mode().Perm())
			}
			rec, _ := os.ReadFile(files[0])
			for _, want := range []string{`"operator": "`, `"attr": "memberManager"`, `"attr": "ipaSudoRunAs"`, `"nsaccountlock"`, `"memberof"`} {
				if !strings.Contains(string(rec), want) {
					t.Errorf("record lacks %s:\n%s", want, rec)
				}
			}

			// Idempotent: nothing to change, no second record.
			stdout, _, ops, err = runOffboard(t, dir, records, fx.login, "--yes")
			if err != nil || !strings.Contains(stdout, "No changes") || ops != 2 {
				t.Errorf("second offboard: err %v, %d ops (want 2), plan:\n%s", err, ops, stdout)
			}
			if files2, _ := filepath.Glob(filepath.Join(records, "*.json")); len(files2) != 1 {
				t.Errorf("second run wrote a record: %v", files2)
			}

			// Reinstate restores exactly.
			f, out, errOut := cmdtest.Factory(t, dir)
			cmd := reinstate.NewCmdReinstate(f, nil)
			cmd.SetArgs([]string{fx.login, "--from", files[0], "--yes"})
			cmd.SetOut(out)
			cmd.SetErr(errOut)
			if err := cmd.ExecuteContext(ctx); err != nil {
				t.Fatalf("reinstate: %v\n%s", err, errOut)
			}
			if f.Ops() != 9 {
				t.Errorf("reinstate used %d operations, want 9 (1 search, 8 modifies)", f.Ops())
			}
			back, backRefs := snapshot(t, dir, fx.dn)
			if strings.Join(backRefs, "|") != strings.Join(beforeRefs, "|") {
				t.Errorf("references after reinstate:\n%v\nwant\n%v", backRefs, beforeRefs)
			}
			if strings.Join(norm(back.Get("memberOf")), "|") != strings.Join(norm(before.Get("memberOf")), "|") {
				t.Errorf("memberOf after reinstate %v, want %v", back.Get("memberOf"), before.Get("memberOf"))
			}
			if strings.Join(back.Get("ipaSshPubKey"), "|") != testKey {
				t.Errorf("ssh keys after reinstate: %v", back.Get("ipaSshPubKey"))
			}
			if strings.Join(back.Get("nsAccountLock"), "|") != strings.Join(before.Get("nsAccountLock"), "|") {
				t.Errorf("nsAccountLock after reinstate %v, want %v", back.Get("nsAccountLock"), before.Get("nsAccountLock"))
			}
			if b.Name == "live" {
				if err := simpleBind(t, fx.dn); err != nil {
					t.Errorf("reinstated user's bind: %v", err)
				}
			}
		})
	}
}

func TestOffboardBulk(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			a, c := setup(t, dir), setup(t, dir)
			list := filepath.Join(t.TempDir(), "leavers.txt")
			os.WriteFile(list, []byte("# leavers\n"+c.login+"\n"), 0o600)
			_, stderr, _, err := runOffboard(t, dir, t.TempDir(), a.login, "nosuchuser1", "--from-file", list, "--yes")
			if cmdutil.ExitCode(err) != cmdutil.ExitPartial {
				t.Fatalf("bulk with an unknown login: err %v (exit %d), want exit 6\n%s", err, cmdutil.ExitCode(err), stderr)
			}
			if !strings.Contains(stderr, `user "nosuchuser1" not found`) {
				t.Errorf("stderr lacks the unknown login:\n%s", stderr)
			}
			for _, fx := range []*fixture{a, c} {
				u, refs := snapshot(t, dir, fx.dn)
				if !strings.EqualFold(u.First("nsAccountLock"), "TRUE") || len(refs) != 0 {
					t.Errorf("%s not offboarded: lock %q, refs %v", fx.login, u.First("nsAccountLock"), refs)
				}
			}
		})
	}
}

func TestOffboardGuards(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	s := dir.Suffix()
	tests := []struct {
		name  string
		prep  func(t *testing.T)
		args  []string
		exit  int
		inErr string
	}{
		{name: "bind identity", args: []string{"admin", "--yes"}, exit: 2, inErr: "identity this command is bound as"},
		{name: "unknown", args: []string{"nosuch", "--yes"}, exit: 2, inErr: `user "nosuch" not found`},
		{name: "bad name", args: []string{"Bad*Name", "--yes"}, exit: 2},
		// Nothing was done: not "partial" (6) but bad input.
		{name: "all unknown", args: []string{"nosuch1", "nosuch2", "--yes"}, exit: 2, inErr: "no user offboarded: all 2 failed"},
		{name: "no login", args: []string{"--yes"}, exit: 2},
		{name: "last admin", args: []string{"jdoe", "--yes"}, exit: 2, inErr: "last active member of admins", prep: func(t *testing.T) {
			modify(t, dir, ipa.GroupDN("admins", s), directory.Mod{Op: directory.ModAdd, Attr: "member", Values: []string{ipa.UserDN("jdoe", s)}})
			modify(t, dir, ipa.GroupDN("admins", s), directory.Mod{Op: directory.ModDelete, Attr: "member", Values: []string{ipa.UserDN("admin", s)}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.prep != nil {
				tt.prep(t)
			}
			_, _, _, err := runOffboard(t, dir, t.TempDir(), tt.args...)
			if cmdutil.ExitCode(err) != tt.exit || (tt.inErr != "" && !strings.Contains(err.Error(), tt.inErr)) {
				t.Errorf("err %v (exit %d), want exit %d with %q", err, cmdutil.ExitCode(err), tt.exit, tt.inErr)
			}
		})
	}
}

// recordFirst fails the test when a write reaches the directory before a record is on
// disk in dir.
type recordFirst struct {
	directory.Client
	t      *testing.T
	dir    string
	writes int
}

func (r *recordFirst) check() {
	r.writes++
	if files, _ := filepath.Glob(filepath.Join(r.dir, "*.json")); len(files) == 0 {
		r.t.Errorf("directory write %d before the offboarding record was written", r.writes)
	}
}

func (r *recordFirst) Modify(ctx context.Context, dn string, mods []directory.Mod) error {
	r.check()
	return r.Client.Modify(ctx, dn, mods)
}

func (r *recordFirst) Add(ctx context.Context, e *directory.Entry) (string, error) {
	r.check()
	return r.Client.Add(ctx, e)
}

func (r *recordFirst) Delete(ctx context.Context, dn string) error {
	r.check()
	return r.Client.Delete(ctx, dn)
}

// TestOffboardRecordFirst: the record is on disk before the first change; when it cannot
// be written (a directory that holds no files, or a record that cannot be created at the
// moment of the change) the user is left exactly as it was.
func TestOffboardRecordFirst(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			fx := setup(t, dir)
			before, beforeRefs := snapshot(t, dir, fx.dn)
			unchanged := func(what string) {
				t.Helper()
				u, refs := snapshot(t, dir, fx.dn)
				if strings.Join(refs, "|") != strings.Join(beforeRefs, "|") || u.First("nsAccountLock") != before.First("nsAccountLock") {
					t.Fatalf("%s: the user was changed: lock %q, refs %v", what, u.First("nsAccountLock"), refs)
				}
			}

			// A records directory that cannot hold files: refused before the directory is read.
			_, _, ops, err := runOffboard(t, dir, "/proc/self", fx.login, "--yes")
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "cannot create a file in /proc/self") || ops != 0 {
				t.Fatalf("records in /proc/self: err %v (exit %d), %d ops; want exit 2 and no directory operation", err, cmdutil.ExitCode(err), ops)
			}
			unchanged("records in /proc/self")

			// The record cannot be created when the change is about to be made (every name
			// it could take is taken): nothing changes.
			records := t.TempDir()
			now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
			base := filepath.Join(records, fx.login+"-20261201T120000Z")
			os.WriteFile(base+".json", nil, 0o600)
			for i := 2; i <= 101; i++ {
				os.WriteFile(fmt.Sprintf("%s-%d.json", base, i), nil, 0o600)
			}
			f, _, _ := cmdtest.Factory(t, dir)
			o := &offboard.Options{F: f, Logins: []string{fx.login}, Records: records, Plan: cmdutil.PlanFlags{Yes: true, Output: "text"},
				Now: func() time.Time { return now }}
			err = offboard.Run(ctx, o)
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "nothing was changed") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("record not creatable at apply time: err %v (exit %d)", err, cmdutil.ExitCode(err))
			}
			unchanged("record not creatable")

			// The normal path: the record exists before the first write.
			records = filepath.Join(t.TempDir(), "r")
			rf := &recordFirst{Client: dir, t: t, dir: records}
			if _, stderr, _, err := runOffboard(t, rf, records, fx.login, "--yes"); err != nil {
				t.Fatalf("offboard: %v\n%s", err, stderr)
			}
			if rf.writes == 0 {
				t.Fatal("no directory write seen")
			}
		})
	}
}

// setPassword gives the user a password as Directory Manager (live only), so the test
// can prove the server refuses the disabled account's bind.
func setPassword(t *testing.T, dir directory.Client, dn string) {
	t.Helper()
	dm := dial(t, "cn=Directory Manager", readFile(t, os.Getenv("ACCESSCTL_TEST_DM_PASSWORD_FILE")))
	if err := dm.Modify(ctx, dn, []directory.Mod{{Op: directory.ModReplace, Attr: "userPassword", Values: []string{testPassword}}}); err != nil {
		t.Fatalf("set user password as directory manager: %v", err)
	}
}

const testPassword = "Offboard-test-pw-1"

const testKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBul3+sbQ3k/2kBEJOfq3bblBuiTia0ChhLM6k3nsjVV ob@test"

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return strings.TrimSpace(string(b))
}

func dialErr(dn, pw string) (directory.Client, error) {
	c, err := context.WithTimeout(ctx, 20*time.Second)
	defer err()
	return ldapdir.Dial(c, ldapdir.Options{Servers: []string{os.Getenv("ACCESSCTL_TEST_LDAPS_URL")},
		CAFile: os.Getenv("ACCESSCTL_TEST_CA"), ConnectTimeout: 3 * time.Second, Timeout: 10 * time.Second,
		Bind: ldapdir.Simple{DN: dn, Password: pw}})
}

func dial(t *testing.T, dn, pw string) directory.Client {
	t.Helper()
	c, err := dialErr(dn, pw)
	if err != nil {
		t.Fatalf("bind as %s: %v", dn, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func simpleBind(t *testing.T, dn string) error {
	c, err := dialErr(dn, testPassword)
	if err == nil {
		c.Close()
	}
	return err
}
