package plan

import (
	"bytes"
	"encoding/json"
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
