package role

import (
	"context"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
)

// TestDelete: role delete removes the sudoto rule and group of one hostgroup; the role
// user and its membership of the user group stay; a second run changes nothing; off a
// terminal it needs --yes. Both backends.
func TestDelete(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			hg := "auxtel"
			if b.Name == "live" {
				hg = cmdtest.Name("hg")
			}
			setup(t, dir, hg)
			if _, out, err := run(t, dir, &CreateOptions{Role: "atadbot", Hostgroup: hg, Plan: cmdutil.PlanFlags{Yes: true, Output: "text"}}); err != nil {
				t.Fatalf("role create: %v\n%s", err, out)
			}
			del := func(flags cmdutil.PlanFlags) (string, error) {
				f, out, _ := cmdtest.Factory(t, dir)
				err := RunDelete(context.Background(), &DeleteOptions{F: f, Role: "atadbot", Hostgroup: hg, Plan: flags})
				return out.String(), err
			}
			ctx := context.Background()
			s := dir.Suffix()
			exists := func(base, filter string) bool {
				es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: base, Scope: directory.ScopeSub, Filter: filter, Attributes: []string{"cn"}})
				if err != nil && !directory.IsNotFound(err) {
					t.Fatal(err)
				}
				return len(es) > 0
			}
			rule := hg + "-sudoto-atadbot"
			if _, err := del(cmdutil.PlanFlags{Output: "text"}); cmdutil.ExitCode(err) != cmdutil.ExitCanceled {
				t.Fatalf("without --yes: %v, want exit %d", err, cmdutil.ExitCanceled)
			}
			if !exists(directory.In(directory.SudoRules, s), ipa.RuleFilter("ipasudorule", rule)) {
				t.Fatal("refused run deleted the rule")
			}
			out, err := del(cmdutil.PlanFlags{Yes: true, Output: "text"})
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if !strings.Contains(out, "0 to create, 0 to modify, 2 to delete") || !strings.Contains(out, "the role user atadbot stays") {
				t.Fatalf("plan:\n%s", out)
			}
			if exists(directory.In(directory.SudoRules, s), ipa.RuleFilter("ipasudorule", rule)) || exists(ipa.GroupDN(rule, s), "(objectClass=*)") {
				t.Fatal("the sudoto rule or group is still there")
			}
			users, err := dir.Search(ctx, directory.SearchRequest{BaseDN: ipa.UserDN("atadbot", s), Scope: directory.ScopeBase,
				Filter: "(objectClass=*)", Attributes: []string{"memberOf"}})
			if err != nil || len(users) != 1 || !users[0].Has("memberOf", ipa.GroupDN(hg, s)) {
				t.Fatalf("the role user or its membership of %s is gone: %v %v", hg, err, users)
			}
			if out, err := del(cmdutil.PlanFlags{Yes: true, Output: "text"}); err != nil || !strings.Contains(out, "No changes") {
				t.Fatalf("second run: %v\n%s", err, out)
			}
		})
	}
}
