package audit_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/audit"
	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/ids"
	"github.com/accessctl/accessctl/pkg/roles"
	"github.com/accessctl/accessctl/pkg/sandbox"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// One home for every rule: the ID and role-account findings of the seeded directory
// (one planted violation of every kind) are the same, field for field, whether they
// come from audit or from the checks `id check` and `role check` run.
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
}
