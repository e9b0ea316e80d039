package plan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/iostreams"
)

func TestInverse(t *testing.T) {
	tests := []struct {
		name   string
		change Change
		want   []directory.Mod
	}{
		{"add becomes delete", Change{Mods: []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{"a"}}}},
			[]directory.Mod{{Op: directory.ModDelete, Attr: "member", Values: []string{"a"}}}},
		{"delete values becomes add", Change{Mods: []directory.Mod{{Op: directory.ModDelete, Attr: "member", Values: []string{"a", "b"}}}},
			[]directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{"a", "b"}}}},
		{"delete all uses before", Change{Mods: []directory.Mod{{Op: directory.ModDelete, Attr: "userCategory"}}, Before: map[string][]string{"usercategory": {"all"}}},
			[]directory.Mod{{Op: directory.ModAdd, Attr: "userCategory", Values: []string{"all"}}}},
		{"replace restores before", Change{Mods: []directory.Mod{{Op: directory.ModReplace, Attr: "nsAccountLock", Values: []string{"TRUE"}}}, Before: map[string][]string{"nsaccountlock": {"FALSE"}}},
			[]directory.Mod{{Op: directory.ModReplace, Attr: "nsAccountLock", Values: []string{"FALSE"}}}},
		{"replace of absent deletes", Change{Mods: []directory.Mod{{Op: directory.ModReplace, Attr: "nsAccountLock", Values: []string{"TRUE"}}}, Before: map[string][]string{"nsaccountlock": nil}},
			[]directory.Mod{{Op: directory.ModDelete, Attr: "nsAccountLock"}}},
		{"order reversed", Change{Mods: []directory.Mod{{Op: directory.ModAdd, Attr: "a", Values: []string{"1"}}, {Op: directory.ModAdd, Attr: "b", Values: []string{"2"}}}},
			[]directory.Mod{{Op: directory.ModDelete, Attr: "b", Values: []string{"2"}}, {Op: directory.ModDelete, Attr: "a", Values: []string{"1"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Inverse(tt.change)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("Inverse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInverseWithoutBeforeState(t *testing.T) {
	c := Change{DN: "uid=svc", Mods: []directory.Mod{{Op: directory.ModReplace, Attr: "userPassword", Values: []string{"x"}}}}
	if _, err := Inverse(c); err == nil || !strings.Contains(err.Error(), "did not keep its before-state") {
		t.Fatalf("err = %v, want a refusal to guess", err)
	}
}

func TestModsFor(t *testing.T) {
	cur := directory.NewEntry("cn=x", directory.A("memberUser", "cn=a", "cn=B"))
	got := ModsFor(cur, "memberUser", []string{"cn=b", "cn=c"})
	want := []directory.Mod{{Op: directory.ModDelete, Attr: "memberUser", Values: []string{"cn=a"}}, {Op: directory.ModAdd, Attr: "memberUser", Values: []string{"cn=c"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("ModsFor (-want +got):\n%s", diff)
	}
	if got := ModsFor(cur, "memberUser", []string{"cn=A", "cn=b"}); len(got) != 0 {
		t.Fatalf("no-op ModsFor = %v", got)
	}
}

func TestRestorable(t *testing.T) {
	e := directory.NewEntry("ipaUniqueID=1234,cn=hbac,dc=x",
		directory.A("cn", "r"), directory.A("ipaUniqueID", "1234"), directory.A("memberOf", "cn=g"), directory.A("memberUser", "cn=u"))
	r := Restorable(e)
	if r.DN != "ipaUniqueID=autogenerate,cn=hbac,dc=x" || r.First("ipaUniqueID") != "autogenerate" || r.Get("memberOf") != nil || r.First("memberUser") != "cn=u" {
		t.Fatalf("Restorable = %+v", r)
	}
}

func samplePlan() *Plan {
	p := &Plan{Title: "sample"}
	e := directory.NewEntry("cn=g,dc=x", directory.A("objectClass", "top", "groupofnames"), directory.A("cn", "g"), directory.A("description", "é"))
	p.Add(Change{Action: Create, Kind: "group", Name: "g", DN: e.DN, Entry: e, IPA: []string{"ipa group-add g"}})
	p.Add(Change{Action: Modify, Kind: "group", Name: "h", DN: "cn=h,dc=x", Mods: []directory.Mod{{Op: directory.ModDelete, Attr: "member", Values: []string{"uid=u,dc=x"}}}, Removes: true})
	p.Add(Change{Action: Delete, Kind: "group", Name: "k", DN: "cn=k,dc=x"})
	p.Add(Change{Action: Unchanged, Kind: "group", Name: "ok", DN: "cn=ok,dc=x"})
	return p
}

func TestRenderings(t *testing.T) {
	tests := []struct {
		format Format
		want   []string
	}{
		{Text, []string{"Plan: sample", "+ group  g ", "~ group  h ", "- member: uid=u,dc=x", "= group  ok", "1 to create, 1 to modify, 1 to delete, 1 unchanged."}},
		{LDIF, []string{"dn: cn=g,dc=x\nchangetype: add\nobjectClass: top\nobjectClass: groupofnames\ncn: g\ndescription:: w6k=\n", "dn: cn=h,dc=x\nchangetype: modify\ndelete: member\nmember: uid=u,dc=x\n-\n", "dn: cn=k,dc=x\nchangetype: delete\n"}},
		{IPA, []string{"ipa group-add g\n", "# modify group h: no ipa command"}},
		{Update, []string{"dn: cn=g,dc=x\nadd:objectClass:top\n", "dn: cn=h,dc=x\nremove:member:uid=u,dc=x\n", "dn: cn=k,dc=x\ndeleteentry:\n"}},
		{YAML, []string{"title: sample", "action: create", "removes: true"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			ios, _, b, _ := iostreams.Test()
			if err := Render(ios.StyledOut(), samplePlan(), tt.format); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("%s rendering lacks %q:\n%s", tt.format, w, b.String())
				}
			}
			if strings.Contains(b.String(), "\x1b[") {
				t.Errorf("%s rendering to a buffer has escape codes", tt.format)
			}
		})
	}
}

func TestRenderJSONStableFields(t *testing.T) {
	var b bytes.Buffer
	if err := Render(&b, samplePlan(), JSON); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Title   string `json:"title"`
		DryRun  bool   `json:"dry_run"`
		Applied bool   `json:"applied"`
		Changes []struct {
			Action, Kind, Name, DN string
			Removes                bool
		} `json:"changes"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b.String())
	}
	if got.Title != "sample" || len(got.Changes) != 4 || got.Changes[1].Action != "modify" || !got.Changes[1].Removes {
		t.Fatalf("JSON = %+v", got)
	}
}

func TestCheckNoPlaceholder(t *testing.T) {
	tests := []struct {
		name   string
		change Change
		bad    bool
	}{
		{"entry value", Change{Action: Create, DN: "uid=a", Entry: directory.NewEntry("uid=a", directory.A("userPassword", Hidden))}, true},
		{"mod value", Change{Action: Modify, DN: "uid=a", Mods: []directory.Mod{{Op: directory.ModReplace, Attr: "userPassword", Values: []string{Hidden}}}}, true},
		{"ipa command", Change{Action: Modify, DN: "uid=a", IPA: []string{"ipa user-mod a --password='" + Hidden + "'"}}, true},
		{"not pending", Change{Action: Unchanged, DN: "uid=a", Entry: directory.NewEntry("uid=a", directory.A("userPassword", Hidden))}, false},
		{"a value that only mentions it", Change{Action: Create, DN: "cn=g", Entry: directory.NewEntry("cn=g", directory.A("description", "shows "+Hidden+" in plans"))}, false},
		{"real values", Change{Action: Create, DN: "uid=a", Entry: directory.NewEntry("uid=a", directory.A("userPassword", "s3cret"))}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Plan{Title: "t", Changes: []Change{tt.change}}
			err := CheckNoPlaceholder(p)
			if (err != nil) != tt.bad || (err != nil && !errors.Is(err, ErrPlaceholder)) {
				t.Fatalf("err %v, want refused=%v", err, tt.bad)
			}
			for _, f := range []Format{Text, JSON, YAML} {
				if err := Render(&bytes.Buffer{}, p, f); err != nil {
					t.Errorf("%s rendering refused: %v", f, err)
				}
			}
			for _, f := range []Format{LDIF, Update, IPA} {
				var b bytes.Buffer
				if err := Render(&b, p, f); (err != nil) != tt.bad || (tt.bad && b.Len() > 0) {
					t.Errorf("%s rendering: err %v, wrote %d bytes", f, err, b.Len())
				}
			}
		})
	}
}

// fakeDir records writes; fail makes its Modify fail with an LDAP result or a network error.
type fakeDir struct {
	directory.Client
	writes []string
	fail   map[string]error
}

func (d *fakeDir) Modify(_ context.Context, dn string, _ []directory.Mod) error {
	if err := d.fail[dn]; err != nil {
		return err
	}
	d.writes = append(d.writes, dn)
	return nil
}

func TestBeforeWrites(t *testing.T) {
	mod := func(dn string) Change {
		return Change{Action: Modify, Kind: "group", Name: dn, DN: dn, Mods: []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{"uid=x"}}}}
	}
	refused := &directory.Error{Code: directory.CodeInsufficientAccess, Op: "modify"}
	network := &directory.Error{Code: directory.CodeNetwork, Op: "modify"}
	tests := []struct {
		name      string
		prepErr   error
		fail      map[string]error
		calls     int
		writes    int
		unchanged bool // NothingChanged
	}{
		{"prepared once, before the first write", nil, nil, 1, 2, false},
		{"prepare fails: no write", errors.New("disk full"), nil, 1, 0, true},
		{"server refuses the second step: rolled back", nil, map[string]error{"cn=b": refused}, 1, 2, true},
		{"network error in a step: uncertain", nil, map[string]error{"cn=b": network}, 1, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &fakeDir{fail: tt.fail}
			calls := 0
			w := BeforeWrites(d, func() error {
				calls++
				if len(d.writes) > 0 {
					t.Error("prepared after a write")
				}
				return tt.prepErr
			})
			err := Apply(context.Background(), w, &Plan{Changes: []Change{mod("cn=a"), mod("cn=b")}})
			if calls != tt.calls || len(d.writes) != tt.writes {
				t.Fatalf("prepare called %d times, %d writes (%v); want %d, %d", calls, len(d.writes), d.writes, tt.calls, tt.writes)
			}
			if tt.prepErr != nil {
				var pe *PrepareError
				if !errors.As(err, &pe) || !errors.Is(err, tt.prepErr) {
					t.Fatalf("err %v, want a PrepareError", err)
				}
			}
			if got := NothingChanged(err); err != nil && got != tt.unchanged {
				t.Fatalf("NothingChanged(%v) = %v, want %v", err, got, tt.unchanged)
			}
		})
	}
}
