package access_test

import (
	"testing"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/access/accesstest"
)

var perf = accesstest.Entries(accesstest.PerfScale)

// BenchmarkIndex builds the snapshot indexes from the perf-scale entries.
func BenchmarkIndex(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		access.New(accesstest.Suffix, perf)
	}
}

// BenchmarkWho answers `access who` for one host of a hostgroup nested three deep, on an
// indexed perf-scale snapshot (first call builds the rule bit indexes).
func BenchmarkWho(b *testing.B) {
	s := access.New(accesstest.Suffix, perf)
	h := s.Host(accesstest.HostName(999*40, 40))
	if h == nil {
		b.Fatal("host missing")
	}
	b.ReportAllocs()
	for b.Loop() {
		w := s.Who(h)
		if len(w.LoginUsers) == 0 {
			b.Fatal("nobody may log in")
		}
	}
}

// BenchmarkWhoFromEntries: index + who, i.e. everything after the read.
func BenchmarkWhoFromEntries(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s := access.New(accesstest.Suffix, perf)
		s.Who(s.Host(accesstest.HostName(999*40, 40)))
	}
}

// BenchmarkExplain answers one `access explain` after the read.
func BenchmarkExplain(b *testing.B) {
	s := access.New(accesstest.Suffix, perf)
	u, h := s.User("u00999"), s.Host(accesstest.HostName(999*40, 40))
	b.ReportAllocs()
	for b.Loop() {
		s.Explain(u, h)
	}
}
