// Package faulttest holds accessctl's fault, concurrency and security tests that span
// commands: every-N write faults on both backends, network faults and failover through
// the test bed's TCP proxy, and secrets kept out of argv, --debug output and errors.
package faulttest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/internal/cmdtest"
	rolecmd "github.com/accessctl/accessctl/pkg/cmd/role"
	usercreate "github.com/accessctl/accessctl/pkg/cmd/user/create"
	"github.com/accessctl/accessctl/pkg/cmd/user/offboard"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/plan"
)

// volatile attributes differ between a state and its restored copy without meaning.
var volatile = map[string]bool{"modifytimestamp": true, "createtimestamp": true, "entryusn": true,
	"modifiersname": true, "creatorsname": true, "entrydn": true, "nsuniqueid": true, "entryid": true, "parentid": true}

// snapshot is a canonical text of the entries filter selects below the suffix.
func snapshot(t *testing.T, dir directory.Client, filter string) string {
	t.Helper()
	es, err := dir.Search(context.Background(), directory.SearchRequest{BaseDN: dir.Suffix(), Scope: directory.ScopeSub,
		Filter: filter, Attributes: []string{"*"}})
	if err != nil && !directory.IsNotFound(err) {
		t.Fatalf("snapshot %s: %v", filter, err)
	}
	var lines []string
	for _, e := range es {
		dn := directory.NormalizeDN(e.DN)
		for _, a := range e.Attributes {
			if volatile[strings.ToLower(a.Name)] {
				continue
			}
			for _, v := range a.Values {
				if strings.Contains(v, "=") && strings.Contains(v, ",") {
					v = directory.NormalizeDN(v)
				}
				lines = append(lines, dn+" "+strings.ToLower(a.Name)+": "+v)
			}
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

type scenario struct {
	name string
	// setup prepares the directory and returns the command's arguments and the filter
	// selecting every entry the command may touch.
	setup func(t *testing.T, dir directory.Client) (args []string, filter string)
	cmd   func(f *cmdutil.Factory) *cobra.Command
}

func exec(t *testing.T, dir directory.Client, sc scenario, args []string) error {
	t.Helper()
	f, out, errOut := cmdtest.Factory(t, dir)
	c := sc.cmd(f)
	c.SetArgs(args)
	c.SetOut(out)
	c.SetErr(errOut)
	return c.ExecuteContext(context.Background())
}

func scenarios() []scenario {
	return []scenario{
		{
			name: "user create",
			setup: func(t *testing.T, dir directory.Client) ([]string, string) {
				login := cmdtest.Name("fu")
				t.Cleanup(func() { removeUser(dir, login) })
				return []string{login, "--first", "Fault", "--last", "Tester", "--yes"},
					fmt.Sprintf("(|(uid=%s)(cn=%s)(member=%s))", login, login, ipa.UserDN(login, dir.Suffix()))
			},
			cmd: func(f *cmdutil.Factory) *cobra.Command { return usercreate.NewCmdCreate(f, nil) },
		},
		{
			name: "user offboard",
			setup: func(t *testing.T, dir directory.Client) ([]string, string) {
				ctx := context.Background()
				s := dir.Suffix()
				login := cmdtest.Name("fo")
				if err := exec(t, dir, scenario{cmd: func(f *cmdutil.Factory) *cobra.Command { return usercreate.NewCmdCreate(f, nil) }},
					[]string{login, "--first", "Off", "--last", "Boarded", "--yes"}); err != nil {
					t.Fatalf("setup: user create: %v", err)
				}
				t.Cleanup(func() { removeUser(dir, login) })
				prefix := cmdtest.Name("fg")
				for i := 0; i < 4; i++ {
					g := fmt.Sprintf("%s-%d", prefix, i)
					e := ipa.PosixGroup(g, "offboard fault test", fmt.Sprint(78000+rand.IntN(1999)), s)
					e.Set("member", ipa.UserDN(login, s))
					if _, err := dir.Add(ctx, e); err != nil {
						t.Fatalf("setup: group %s: %v", g, err)
					}
					t.Cleanup(func() { _ = dir.Delete(context.Background(), ipa.GroupDN(g, s)) })
				}
				return []string{login, "--yes", "--records", t.TempDir()},
					fmt.Sprintf("(|(uid=%s)(cn=%s)(cn=%s-*)(member=%s))", login, login, prefix, ipa.UserDN(login, s))
			},
			cmd: func(f *cmdutil.Factory) *cobra.Command { return offboard.NewCmdOffboard(f, nil) },
		},
		{
			name: "role create",
			setup: func(t *testing.T, dir directory.Client) ([]string, string) {
				hg, role := cmdtest.Name("fh"), cmdtest.Name("fr")
				roleSetup(t, dir, hg, role)
				return []string{role, "--hostgroup", hg, "--yes"},
					fmt.Sprintf("(|(uid=%s)(cn=%s)(cn=%s*)(member=%s))", role, role, hg, ipa.UserDN(role, dir.Suffix()))
			},
			cmd: func(f *cmdutil.Factory) *cobra.Command { return rolecmd.NewCmdCreate(f, nil) },
		},
	}
}

// TestEveryNthWriteFails fails write N of each command for every N it makes: the
// directory ends exactly as it was (or, where rollback itself was impossible, the
// command says which entries are left over), and a re-run without faults converges to
// the same state as a clean run; a third run changes nothing.
func TestEveryNthWriteFails(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			for _, sc := range scenarios() {
				t.Run(strings.ReplaceAll(sc.name, " ", "-"), func(t *testing.T) {
					for n := int64(1); n < 500; n++ {
						args, filter := sc.setup(t, dir)
						before := snapshot(t, dir, filter)
						faulty := directory.NewFaulty(dir, n)
						err := exec(t, faulty, sc, args)
						if faulty.Ops() < n {
							// fewer writes than n: the command ran to the end
							if err != nil {
								t.Fatalf("unfaulted run (%d writes): %v", faulty.Ops(), err)
							}
							if n == 1 {
								t.Fatalf("%s made no writes", sc.name)
							}
							t.Logf("%s: %d writes, each failed in turn", sc.name, n-1)
							return
						}
						var ae *plan.ApplyError
						if !errors.As(err, &ae) {
							t.Fatalf("write %d failed: err = %v, want a plan apply error", n, err)
						}
						if len(ae.Leftover) != 0 {
							t.Fatalf("write %d failed: rollback left %v", n, ae.Leftover)
						}
						if after := snapshot(t, dir, filter); after != before {
							t.Fatalf("write %d failed: directory changed:\n--- before\n%s\n--- after\n%s", n, before, after)
						}
						if err := exec(t, dir, sc, args); err != nil {
							t.Fatalf("write %d failed: re-run: %v", n, err)
						}
						converged := snapshot(t, dir, filter)
						if converged == before {
							t.Fatalf("write %d failed: re-run changed nothing", n)
						}
						// a third run has nothing to do
						counted := directory.NewCounting(dir)
						f := directory.NewFaulty(counted, 1)
						if err := exec(t, f, sc, args); err != nil && !isNothingToDo(err) {
							t.Fatalf("write %d failed: third run: %v", n, err)
						}
						if f.Ops() != 0 {
							t.Fatalf("write %d failed: third run wrote %d times, want 0", n, f.Ops())
						}
						if again := snapshot(t, dir, filter); again != converged {
							t.Fatalf("write %d failed: third run changed the directory", n)
						}
					}
				})
			}
		})
	}
}

// isNothingToDo accepts the refusals a finished command gives on a second run
// (offboard of an already offboarded user is a no-op; create of an existing user may
// be refused with exit 2 by design).
func isNothingToDo(err error) bool {
	return cmdutil.ExitCode(err) == 2 || strings.Contains(err.Error(), "exists")
}

func removeUser(dir directory.Client, login string) {
	ctx := context.Background()
	s := dir.Suffix()
	_ = dir.Delete(ctx, ipa.UserDN(login, s))
	_ = dir.Delete(ctx, ipa.GroupDN(login, s))
}

// roleSetup makes the hostgroup, its user group and the dm-role ID range a role needs.
func roleSetup(t *testing.T, dir directory.Client, hg, role string) {
	t.Helper()
	ctx := context.Background()
	s := dir.Suffix()
	rng := directory.NewEntry(directory.Join("cn", "dm-role", directory.Ranges, s),
		directory.A("objectClass", "top", "ipaIDrange", "ipaDomainIDRange"), directory.A("cn", "dm-role"),
		directory.A("ipaBaseID", "61000"), directory.A("ipaIDRangeSize", "1000"), directory.A("ipaRangeType", "ipa-local"))
	if _, err := dir.Add(ctx, rng); err != nil && !directory.IsExists(err) {
		t.Fatalf("add id range: %v", err)
	} else if err == nil {
		t.Cleanup(func() { _ = dir.Delete(context.Background(), rng.DN) })
	}
	if _, err := dir.Add(ctx, ipa.Hostgroup(hg, hg+" nodes", s)); err != nil {
		t.Fatalf("add hostgroup: %v", err)
	}
	if _, err := dir.Add(ctx, ipa.PosixGroup(hg, hg+" users", fmt.Sprint(78000+rand.IntN(1999)), s)); err != nil {
		t.Fatalf("add group: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		rules, _ := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.SudoRules, s), Scope: directory.ScopeOne,
			Filter: ipa.RuleFilter("ipasudorule", hg+"-sudoto-"+role), Attributes: []string{"cn"}})
		for _, r := range rules {
			_ = dir.Delete(ctx, r.DN)
		}
		_ = dir.Delete(ctx, ipa.GroupDN(hg+"-sudoto-"+role, s))
		removeUser(dir, role)
		_ = dir.Delete(ctx, ipa.GroupDN(hg, s))
		_ = dir.Delete(ctx, ipa.HostgroupDN(hg, s))
	})
}
