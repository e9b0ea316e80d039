// Package finding is the one shape of a departure from the site conventions, shared by
// every command that reports them (`audit`, `id check`, `role check`, ...), so that a
// rule reports the same id, severity, objects, message and fix wherever it runs.
package finding

import (
	"sort"
	"strings"
)

// Severities, lowest first.
const (
	Info    = "info"
	Warning = "warning"
	Error   = "error"
)

// Rank orders severities; unknown names rank -1.
func Rank(sev string) int {
	switch sev {
	case Info:
		return 0
	case Warning:
		return 1
	case Error:
		return 2
	}
	return -1
}

// Finding is one departure from the conventions.
type Finding struct {
	ID       string   `json:"id" yaml:"id"`
	Severity string   `json:"severity" yaml:"severity"`
	Message  string   `json:"message" yaml:"message"`
	Objects  []string `json:"objects" yaml:"objects"`
	Fix      string   `json:"fix,omitempty" yaml:"fix,omitempty"`
}

// New is a finding; objects are "kind:name" (user:jdoe, group:hvac, range:dm-role).
func New(id, severity, fix, message string, objects ...string) Finding {
	if objects == nil {
		objects = []string{}
	}
	return Finding{ID: id, Severity: severity, Message: message, Objects: objects, Fix: fix}
}

// Report is what a checking command prints: the findings, worst first, and a count
// per severity.
type Report struct {
	Findings []Finding      `json:"findings" yaml:"findings"`
	Counts   map[string]int `json:"counts" yaml:"counts"`
}

// NewReport sorts fs (worst first, then id, objects and message) and counts them.
func NewReport(fs []Finding) *Report {
	Sort(fs)
	r := &Report{Findings: fs, Counts: map[string]int{Error: 0, Warning: 0, Info: 0}}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	for _, f := range r.Findings {
		r.Counts[f.Severity]++
	}
	return r
}

// Sort orders findings worst first, then by id, objects and message.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		x, y := fs[i], fs[j]
		if Rank(x.Severity) != Rank(y.Severity) {
			return Rank(x.Severity) > Rank(y.Severity)
		}
		if x.ID != y.ID {
			return x.ID < y.ID
		}
		if k1, k2 := strings.Join(x.Objects, ","), strings.Join(y.Objects, ","); k1 != k2 {
			return k1 < k2
		}
		return x.Message < y.Message
	})
}

// AtOrAbove counts the findings of severity sev or worse.
func (r *Report) AtOrAbove(sev string) int {
	n := 0
	for _, f := range r.Findings {
		if Rank(f.Severity) >= Rank(sev) {
			n++
		}
	}
	return n
}

// Severities lists the severities worst first, the order reports group findings in.
var Severities = []string{Error, Warning, Info}

// Of returns the findings of severity sev, in report order.
func (r *Report) Of(sev string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == sev {
			out = append(out, f)
		}
	}
	return out
}
