package rename_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/rename"
	"github.com/accessctl/accessctl/pkg/rename/renametest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func gather(t *testing.T, dir directory.Client, old, new string) *rename.Facts {
	t.Helper()
	c := directory.NewCounting(dir)
	ob, err := rename.Observe(context.Background(), c, old, new)
	if err != nil {
		t.Fatal(err)
	}
	if n := c.Count(); n != rename.Searches {
		t.Errorf("Observe made %d operations, want %d searches", n, rename.Searches)
	}
	f, err := rename.Gather(ob, dir.Suffix(), old, new, rename.Options{Keytabs: map[string]string{"HTTP": "/etc/httpd/conf/ipa.keytab"}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestGather(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			realm := "EXAMPLE.TEST"
			if b.Name == "live" {
				realm = os.Getenv("ACCESSCTL_TEST_REALM")
			}
			p := cmdtest.Name("rn")
			fx := renametest.New(t, dir, p, realm)
			f := gather(t, dir, fx.Old, fx.Same)
			if f.Realm != realm || f.Server {
				t.Errorf("realm %q server %v", f.Realm, f.Server)
			}
			want := []rename.Service{
				{Principal: "HTTP/" + fx.Old + "@" + realm, Name: "HTTP", Certificate: true, Keytab: "/etc/httpd/conf/ipa.keytab"},
				{Principal: "nfs/" + fx.Old + "@" + realm, Name: "nfs", TicketFlags: renametest.TicketFlags, Keytab: "/path/to/nfs.keytab"},
			}
			if f.HostTicketFlags != renametest.TicketFlags {
				t.Errorf("host ticket flags %q, want %q", f.HostTicketFlags, renametest.TicketFlags)
			}
			for i := range f.Services {
				f.Services[i].DN = ""
			}
			if !reflect.DeepEqual(f.Services, want) {
				t.Errorf("services = %+v\nwant %+v", f.Services, want)
			}
			if len(f.CertServices()) != 1 || f.CertServices()[0].Name != "HTTP" {
				t.Errorf("cert services = %+v", f.CertServices())
			}
			var hgs []string
			for _, m := range f.Hostgroups {
				hgs = append(hgs, m.Hostgroup+" "+m.Why[:10])
			}
			if w := []string{p + "a automember", p + "b automember", p + "c automember"}; !reflect.DeepEqual(hgs, w) {
				t.Errorf("hostgroups = %v, want %v", hgs, w)
			}
			rules := map[string]string{}
			for _, r := range f.Rules {
				rules[r.Key()] = r.Via
			}
			if rules["hbac "+p+"-users"] != "hostgroup "+p+"a" || rules["sudo "+p+"-sudo"] != "hostgroup "+p+"c" {
				t.Errorf("rules = %v", rules)
			}
			if _, ok := rules["hbac "+p+"-web"]; ok {
				t.Errorf("rule %s-web does not reach %s: %v", p, fx.Old, rules)
			}
			if f.AccessChanges() {
				t.Errorf("%s -> %s changes access: lost %v gained %v", fx.Old, fx.Same, f.Lost, f.Gained)
			}
			o := gather(t, dir, fx.Old, fx.Other)
			wl := []string{"hbac rule " + p + "-users", "hostgroup " + p + "a", "hostgroup " + p + "c", "sudo rule " + p + "-sudo"}
			wg := []string{"hbac rule " + p + "-web", "hostgroup " + p + "d"}
			if !reflect.DeepEqual(o.Lost, wl) || !reflect.DeepEqual(o.Gained, wg) {
				t.Errorf("-> %s: lost %v gained %v, want %v %v", fx.Other, o.Lost, o.Gained, wl, wg)
			}
		})
	}
}

func TestRunbookGolden(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	fx := renametest.New(t, dir, "rn", "EXAMPLE.TEST")
	for _, tc := range []struct{ name, new string }{{"same-access", fx.Same}, {"access-change", fx.Other}} {
		t.Run(tc.name, func(t *testing.T) {
			f := gather(t, dir, fx.Old, tc.new)
			var a, b bytes.Buffer
			if err := rename.Render(&a, rename.NewDoc(f, nil)); err != nil {
				t.Fatal(err)
			}
			// Deterministic: a second gather renders the same bytes.
			if err := rename.Render(&b, rename.NewDoc(gather(t, dir, fx.Old, tc.new), nil)); err != nil {
				t.Fatal(err)
			}
			if a.String() != b.String() {
				t.Fatal("runbook rendering is not deterministic")
			}
			golden(t, filepath.Join("testdata", "runbook-"+tc.name+".md"), a.Bytes())
		})
	}
	var s bytes.Buffer
	if err := rename.RenderServer(&s, rename.ServerDoc{Old: "ipa1.example.test", New: "ipa3.example.test", Why: "member of hostgroup ipaservers"}); err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "replica-replace.md"), s.Bytes())
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the rendering (go test -update rewrites it):\n%s", path, got)
	}
}

func TestStateFile(t *testing.T) {
	d := t.TempDir()
	st, err := rename.LoadState(d, "a.example.test", "b.example.test")
	if err != nil {
		t.Fatal(err)
	}
	if st.Exists() || st.Next() != 1 {
		t.Fatalf("fresh state: exists %v next %d", st.Exists(), st.Next())
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st.MarkDone(1, now)
	st.MarkDone(2, now)
	if err := st.Save(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(rename.StatePath(d, "a.example.test", "b.example.test"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}
	back, err := rename.LoadState(d, "a.example.test", "b.example.test")
	if err != nil {
		t.Fatal(err)
	}
	if back.Next() != 3 || !back.Done[2].Equal(now) {
		t.Errorf("reloaded: next %d done %v", back.Next(), back.Done)
	}
	back.From(6, now)
	if back.Next() != 6 {
		t.Errorf("From(6): next %d", back.Next())
	}
	back.From(2, now)
	if back.Next() != 2 {
		t.Errorf("From(2): next %d", back.Next())
	}
	fresh, _ := rename.LoadState(t.TempDir(), "a.example.test", "b.example.test")
	fresh.From(5, now)
	if fresh.Next() != rename.StepRecord {
		t.Errorf("From(5) on a fresh state must leave the record step undone: next %d", fresh.Next())
	}
}

// A state file that cannot be put in place is an error, not a saved step (the
// write, sync, close and rename errors were once dropped). The target is a
// non-empty directory, which even root cannot rename a file over.
func TestStateSaveReportsFailure(t *testing.T) {
	d := t.TempDir()
	st, err := rename.LoadState(d, "a.example.test", "b.example.test")
	if err != nil {
		t.Fatal(err)
	}
	st.MarkDone(1, time.Now())
	path := rename.StatePath(d, "a.example.test", "b.example.test")
	if err := os.MkdirAll(filepath.Join(path, "occupied"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := st.Save(); err == nil || !strings.Contains(err.Error(), "save rename state") {
		t.Fatalf("Save over a directory: err %v, want a save rename state error", err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".rename-*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}
