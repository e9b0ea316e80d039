package audit_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/audit"
	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/hostgroups"
	"github.com/accessctl/accessctl/pkg/ids"
	"github.com/accessctl/accessctl/pkg/roles"
	"github.com/accessctl/accessctl/pkg/sandbox"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// One home for every rule: the ID, role-account, cluster and automember findings of the seeded directory
// (one planted violation of every kind) are the same, field for field, whether they
// come from audit or from the checks `id check`, `role check`, `cluster check` and
// `automember lint` run.
func TestRulesOneHome(t *testing.T) {
	ctx := context.Background()
	conv := siteconv.Default()
	dir, err := sandbox.Open(seed(t))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := access.Read(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Run(snap, conv)
	if err != nil {
		t.Fatal(err)
	}
	fromAudit := func(prefix string) []finding.Finding {
		var out []finding.Finding
		for _, f := range rep.Findings {
			if strings.HasPrefix(f.ID, prefix) {
				out = append(out, f)
			}
		}
		return out
	}

	holders, err := ids.ReadHolders(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	ipaRanges, err := ids.ReadIPARanges(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	idCheck := finding.NewReport(ids.Check(holders, ipaRanges, conv)).Findings
	if got := fromAudit("id-"); len(got) < 4 || !reflect.DeepEqual(got, idCheck) {
		t.Errorf("ID findings differ:\naudit:    %+v\nid check: %+v", got, idCheck)
	}

	ra, err := roles.ReadAudit(ctx, dir, conv)
	if err != nil {
		t.Fatal(err)
	}
	roleCheck := finding.NewReport(ra.Check()).Findings
	if auditRoles := fromAudit("role-"); len(auditRoles) < 3 || !reflect.DeepEqual(auditRoles, roleCheck) {
		t.Errorf("role findings differ:\naudit:      %+v\nrole check: %+v", auditRoles, roleCheck)
	}

	// Clusters as `cluster check` sees them, automember rules as `automember lint` does.
	sn, err := cluster.ReadAll(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var clusterCheck []finding.Finding
	for _, b := range sn.Bases(conv) {
		clusterCheck = append(clusterCheck, sn.State(conv, b).Findings(conv)...)
	}
	clusterCheck = finding.NewReport(clusterCheck).Findings
	if got := fromAudit("cluster-"); len(got) < 5 || !reflect.DeepEqual(got, clusterCheck) {
		t.Errorf("cluster findings differ:\naudit:         %+v\ncluster check: %+v", got, clusterCheck)
	}
	hs, err := hostgroups.Read(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	lint, err := hs.Lint(hostgroups.LintOptions{IntendedOverlap: conv.IntendedOverlap})
	if err != nil {
		t.Fatal(err)
	}
	lintFindings := finding.NewReport(hs.Findings(lint)).Findings
	got := finding.NewReport(append(fromAudit("automember-"), fromAudit("host-no-hostgroup")...)).Findings
	if len(got) < 5 || !reflect.DeepEqual(got, lintFindings) {
		t.Errorf("automember findings differ:\naudit:           %+v\nautomember lint: %+v", got, lintFindings)
	}
}
