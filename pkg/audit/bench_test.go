package audit_test

import (
	"testing"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/access/accesstest"
	"github.com/accessctl/accessctl/pkg/audit"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// BenchmarkAudit runs every check on a perf-scale snapshot (50k users, 40k hosts, 1k
// nested groups, 1k nested hostgroups with one automember rule each, 100 HBAC and 100
// sudo rules), index build included: everything after the one read.
func BenchmarkAudit(b *testing.B) {
	entries := accesstest.Entries(accesstest.PerfScale)
	conv := siteconv.Default()
	conv.IDs.Ranges = append(conv.IDs.Ranges, siteconv.Range{Name: "perf", Min: accesstest.IDBase, Max: accesstest.IDBase + 199999})
	b.ReportAllocs()
	var n int
	for b.Loop() {
		rep, err := audit.Run(access.New(accesstest.Suffix, entries), conv)
		if err != nil {
			b.Fatal(err)
		}
		n = len(rep.Findings)
	}
	b.ReportMetric(float64(n), "findings")
}
