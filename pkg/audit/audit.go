// Package audit compares one snapshot of the directory with the site conventions and
// lists every departure as a finding: clusters, automember rules, offboarding residue,
// IDs, role accounts and sudoto rules, rules naming users directly, sudo without login,
// replication conflicts and service bind DNs. It reads nothing itself: the snapshot is
// one paged search (pkg/access.Read) or an LDIF file, with identical results.
package audit

import (
	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/finding"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Severities, lowest first (the one definition is pkg/finding's).
const (
	Info    = finding.Info
	Warning = finding.Warning
	Error   = finding.Error
)

// Rank orders severities; unknown names rank -1.
func Rank(sev string) int { return finding.Rank(sev) }

// Finding is one departure from the conventions.
type Finding = finding.Finding

// Report is the audit's output.
type Report = finding.Report

type auditor struct {
	snap *access.Snapshot
	conv *siteconv.Conventions
	out  []Finding
}

func (a *auditor) add(id, sev, fix, msg string, objects ...string) {
	a.out = append(a.out, finding.New(id, sev, fix, msg, objects...))
}

// clean is the snapshot without replication conflict entries, which are reported on
// their own and take no part in the other checks.
func (a *auditor) clean() []*directory.Entry {
	out := make([]*directory.Entry, 0, len(a.snap.Entries))
	for _, e := range a.snap.Entries {
		if len(e.Get("nsds5ReplConflict")) == 0 {
			out = append(out, e)
		}
	}
	return out
}

// Run runs every check on the snapshot.
func Run(snap *access.Snapshot, conv *siteconv.Conventions) (*Report, error) {
	a := &auditor{snap: snap, conv: conv}
	a.clusters()
	if err := a.automember(); err != nil {
		return nil, err
	}
	a.offboarding()
	a.ids()
	a.roles()
	a.directUsers()
	a.sudoWithoutLogin()
	a.conflicts()
	a.bindDNs()
	return finding.NewReport(a.out), nil
}
