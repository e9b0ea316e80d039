package offboard_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmd/user/reinstate"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/users"
)

// TestReinstateRefusesForeignItems: a genuine record with one extra item that does more
// than restore the record's own user is refused as a whole (exit 2, naming the item),
// and the directory is left as it was; the untouched record still reinstates.
func TestReinstateRefusesForeignItems(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			s := dir.Suffix()
			fx, other := setup(t, dir), setup(t, dir)
			records := t.TempDir()
			if _, stderr, _, err := runOffboard(t, dir, records, fx.login, "--yes"); err != nil {
				t.Fatalf("offboard: %v\n%s", err, stderr)
			}
			files, _ := filepath.Glob(filepath.Join(records, fx.login+"-*.json"))
			if len(files) != 1 {
				t.Fatalf("records %v", files)
			}
			genuine, err := users.ReadRecord(files[0])
			if err != nil {
				t.Fatal(err)
			}
			n := len(genuine.Removed)
			clusterGroup := ipa.GroupDN(fx.cluster, s)
			adminsDN := ipa.GroupDN("admins", s)
			tests := []struct {
				name   string
				tamper func(r *users.Record)
				item   string
			}{
				{"jdoe into admins", func(r *users.Record) {
					r.Removed = append(r.Removed, users.Removal{DN: adminsDN, Kind: "group", Name: "admins", Attr: "member", Value: fx.dn})
				}, "removed[" + itoa(n) + "] is a membership the record's before-state"},
				{"another user into a group", func(r *users.Record) {
					r.Removed = append(r.Removed, users.Removal{DN: clusterGroup, Kind: "group", Name: fx.cluster, Attr: "member", Value: other.dn})
				}, "names another entry than the record's user"},
				{"lock another user", func(r *users.Record) {
					r.Removed = append(r.Removed, users.Removal{DN: other.dn, Kind: "user", Name: other.login, Attr: "nsAccountLock", Value: "TRUE"})
				}, "names another entry"},
				{"lock another user, value its own dn", func(r *users.Record) {
					r.Removed = append(r.Removed, users.Removal{DN: other.dn, Kind: "user", Name: other.login, Attr: "nsAccountLock", Value: fx.dn})
				}, "is not on a group, role, hostgroup, HBAC rule or sudo rule"},
				{"change cn=ipaConfig", func(r *users.Record) {
					r.Removed = append(r.Removed, users.Removal{DN: "cn=ipaConfig,cn=etc," + s, Kind: "entry", Name: "ipaConfig", Attr: "ipaMaxUsernameLength", Value: fx.dn})
				}, "is not on a group, role, hostgroup, HBAC rule or sudo rule"},
				{"userPassword on a group", func(r *users.Record) {
					r.Removed = append(r.Removed, users.Removal{DN: clusterGroup, Kind: "group", Name: fx.cluster, Attr: "userPassword", Value: fx.dn})
				}, "is not a reference offboarding removes from a group"},
				{"a kind that does not match", func(r *users.Record) {
					r.Removed[0].Kind = "hbacrule"
				}, "removed[0] gives a kind that does not match"},
				{"a lock state that is not one", func(r *users.Record) {
					r.Before.NSAccountLock = []string{"TRUE", "FALSE"}
				}, "before.nsaccountlock is not a lock state"},
				{"an ssh key the user never had", func(r *users.Record) {
					r.SSHKeysRemoved = []string{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAttackerKeyAttackerKeyAttackerKeyAtt evil"}
				}, "ssh_keys_removed[0] is not one of the user's keys"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := *genuine
					r.Removed = append([]users.Removal(nil), genuine.Removed...)
					tt.tamper(&r)
					data, _ := json.Marshal(&r)
					path := filepath.Join(t.TempDir(), "tampered.json")
					os.WriteFile(path, data, 0o600)
					beforeUser, beforeRefs := snapshot(t, dir, fx.dn)
					_, otherRefs := snapshot(t, dir, other.dn)
					f, out, errOut := cmdtest.Factory(t, dir)
					cmd := reinstate.NewCmdReinstate(f, nil)
					cmd.SetArgs([]string{fx.login, "--from", path, "--yes"})
					cmd.SetOut(out)
					cmd.SetErr(errOut)
					cmd.SilenceUsage, cmd.SilenceErrors = true, true
					err := cmd.ExecuteContext(ctx)
					if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "refusing the record: ") || !strings.Contains(err.Error(), tt.item) {
						t.Fatalf("err %v (exit %d), want exit 2 naming %q", err, cmdutil.ExitCode(err), tt.item)
					}
					if out.Len() != 0 {
						t.Errorf("printed a plan:\n%s", out)
					}
					u, refs := snapshot(t, dir, fx.dn)
					o, oRefs := snapshot(t, dir, other.dn)
					if strings.Join(refs, "|") != strings.Join(beforeRefs, "|") || u.First("nsAccountLock") != beforeUser.First("nsAccountLock") ||
						strings.Join(oRefs, "|") != strings.Join(otherRefs, "|") || o.First("nsAccountLock") != "" {
						t.Fatalf("the directory changed: user lock %q refs %v; other lock %q refs %v", u.First("nsAccountLock"), refs, o.First("nsAccountLock"), oRefs)
					}
					es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: clusterGroup, Scope: directory.ScopeBase, Filter: "(objectClass=*)", Attributes: []string{"userPassword"}})
					if err != nil || len(es) != 1 || len(es[0].Get("userPassword")) != 0 {
						t.Fatalf("group password: %v", err)
					}
				})
			}
			// The genuine record restores the user.
			f, out, errOut := cmdtest.Factory(t, dir)
			cmd := reinstate.NewCmdReinstate(f, nil)
			cmd.SetArgs([]string{fx.login, "--from", files[0], "--yes"})
			cmd.SetOut(out)
			cmd.SetErr(errOut)
			if err := cmd.ExecuteContext(ctx); err != nil {
				t.Fatalf("genuine record: %v\n%s", err, errOut)
			}
			if u, refs := snapshot(t, dir, fx.dn); u.First("nsAccountLock") != "" || len(refs) != 9 {
				t.Fatalf("after reinstate: lock %q, %d refs", u.First("nsAccountLock"), len(refs))
			}
		})
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
