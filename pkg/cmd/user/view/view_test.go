package view_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/user/view"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/users"
)

var ctx = context.Background()

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestShow(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	s := dir.Suffix()
	asmith, bwilson := ipa.UserDN("asmith", s), ipa.UserDN("bwilson", s)
	_, err := dir.Add(ctx, ipa.PosixGroup("amor-sudoto-bwilson", "sudoto", ipa.DNAMagic, s))
	must(t, err)
	_, err = dir.Add(ctx, ipa.PosixGroup("outer", "nests amor", ipa.DNAMagic, s))
	must(t, err)
	must(t, dir.Modify(ctx, ipa.GroupDN("outer", s), []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{ipa.GroupDN("amor", s)}}}))
	must(t, dir.Modify(ctx, ipa.GroupDN("amor-sudoto-bwilson", s), []directory.Mod{{Op: directory.ModAdd, Attr: "member", Values: []string{asmith}}}))
	must(t, dir.Modify(ctx, ipa.GroupDN("amor", s), []directory.Mod{{Op: directory.ModAdd, Attr: "memberManager", Values: []string{asmith}}}))
	_, err = dir.Add(ctx, ipa.SudoRule(ipa.SudoRuleSpec{Name: "amor-sudoto-bwilson", CmdAll: true,
		UserDNs: []string{ipa.GroupDN("amor-sudoto-bwilson", s)}, HostDNs: []string{ipa.HostgroupDN("amor", s)},
		RunAsUserDNs: []string{bwilson}, Options: []string{"!authenticate"}}, s))
	must(t, err)
	_, err = dir.Add(ctx, directory.NewEntry(directory.Join("cn", "amor admins", directory.Roles, s),
		directory.A("objectClass", "groupofnames", "nestedgroup"), directory.A("cn", "amor admins"),
		directory.A("member", ipa.GroupDN("amor", s))))
	must(t, err)

	f, out, _ := cmdtest.Factory(t, dir)
	cmd := view.NewCmdShow(f)
	cmd.SetArgs([]string{"asmith", "-o", "json"})
	must(t, cmd.ExecuteContext(ctx))
	if f.Ops() != 1 {
		t.Errorf("show used %d operations, want 1", f.Ops())
	}
	var v users.View
	must(t, json.Unmarshal(out.Bytes(), &v))
	checks := []struct{ name, got, want string }{
		{"status", v.Status, "active"},
		{"direct", strings.Join(v.GroupsDirect, ","), "amor,amor-sudo,amor-sudoto-bwilson,ipausers"},
		{"nested", strings.Join(v.GroupsNested, ","), "outer"},
		{"can become", strings.Join(v.CanBecome, ","), "ALL,bwilson"},
		{"roles", strings.Join(v.Roles, ","), "amor admins"},
		{"manages", strings.Join(v.Manages, ","), "group amor"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	found := false
	for _, r := range v.SudoRules {
		if r.Name == "amor-sudoto-bwilson" {
			found = true
			if r.Via != "group amor-sudoto-bwilson" || strings.Join(r.Hostgroups, ",") != "amor" || strings.Join(r.RunAs, ",") != "bwilson" {
				t.Errorf("sudoto rule view: %+v", r)
			}
		}
	}
	if !found {
		t.Errorf("sudoto rule missing: %+v", v.SudoRules)
	}
	var hbac []string
	for _, r := range v.HBACRules {
		hbac = append(hbac, r.Name+"<"+r.Via+">"+strings.Join(r.Hostgroups, ","))
	}
	if !strings.Contains(strings.Join(hbac, " "), "amor-users<group amor>amor") {
		t.Errorf("hbac rules: %v", hbac)
	}

	// Text form and the unknown-user error.
	f, out, _ = cmdtest.Factory(t, dir)
	cmd = view.NewCmdShow(f)
	cmd.SetArgs([]string{"asmith"})
	must(t, cmd.ExecuteContext(ctx))
	for _, want := range []string{"Status:         active", "amor-sudoto-bwilson  via group amor-sudoto-bwilson  → amor  as bwilson"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	f, _, _ = cmdtest.Factory(t, dir)
	cmd = view.NewCmdShow(f)
	cmd.SetArgs([]string{"nosuch"})
	if err := cmd.ExecuteContext(ctx); cmdutil.ExitCode(err) != 2 {
		t.Errorf("unknown user: %v (exit %d), want exit 2", err, cmdutil.ExitCode(err))
	}
}

func TestListAudit(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	s := dir.Suffix()
	// bwilson is disabled by hand but keeps memberships; jdoe is disabled with none left.
	must(t, dir.Modify(ctx, ipa.UserDN("bwilson", s), []directory.Mod{{Op: directory.ModReplace, Attr: "nsAccountLock", Values: []string{"TRUE"}}}))
	must(t, dir.Modify(ctx, ipa.UserDN("jdoe", s), []directory.Mod{{Op: directory.ModReplace, Attr: "nsAccountLock", Values: []string{"TRUE"}}}))
	for _, g := range []string{"ipausers", "amor"} {
		must(t, dir.Modify(ctx, ipa.GroupDN(g, s), []directory.Mod{{Op: directory.ModDelete, Attr: "member", Values: []string{ipa.UserDN("jdoe", s)}}}))
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-o", "json"}, "admin,asmith,bwilson,jdoe"},
		{[]string{"--disabled", "-o", "json"}, "bwilson,jdoe"},
		{[]string{"--disabled", "--with-memberships", "-o", "json"}, "bwilson"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, out, _ := cmdtest.Factory(t, dir)
			cmd := view.NewCmdList(f)
			cmd.SetArgs(tt.args)
			must(t, cmd.ExecuteContext(ctx))
			var items []users.ListItem
			must(t, json.Unmarshal(out.Bytes(), &items))
			var got []string
			for _, it := range items {
				got = append(got, it.Login)
			}
			if strings.Join(got, ",") != tt.want || f.Ops() != 1 {
				t.Errorf("got %v in %d ops, want %s in 1", got, f.Ops(), tt.want)
			}
		})
	}
}
