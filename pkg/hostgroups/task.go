package hostgroups

import (
	"context"
	"crypto/rand"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/accessctl/accessctl/pkg/directory"
)

// TasksDN is where 389-ds takes automember rebuild tasks.
const TasksDN = "cn=automember rebuild membership,cn=tasks,cn=config"

// ReadRules reads only the hostgroup automember rules (one search), for commands that
// need no hosts.
func ReadRules(ctx context.Context, dir directory.Client) (map[string]*Rule, error) {
	rules, err := dir.Search(ctx, directory.SearchRequest{
		BaseDN: directory.In(directory.AutomemberHG, dir.Suffix()), Scope: directory.ScopeSub,
		Filter:     "(objectClass=automemberregexrule)",
		Attributes: []string{"cn", "automemberTargetGroup", "automemberInclusiveRegex", "automemberExclusiveRegex", "description"},
	})
	if err != nil && !directory.IsNotFound(err) {
		return nil, fmt.Errorf("read automember rules: %w", err)
	}
	out := map[string]*Rule{}
	for _, e := range rules {
		r := ParseRule(e)
		out[r.Name] = r
	}
	return out, nil
}

// TaskResult is the outcome of a rebuild task.
type TaskResult struct {
	DN        string `json:"dn" yaml:"dn"`
	ExitCode  int    `json:"exit_code" yaml:"exit_code"`
	Status    string `json:"status" yaml:"status"`
	Processed int    `json:"processed" yaml:"processed"`
}

// TaskEntry is the rebuild task entry `ipa automember-rebuild --type=hostgroup` adds, plus
// cleanup: yes so that stale memberships are removed too (389-ds issue #5547).
func TaskEntry(suffix, id string) *directory.Entry {
	return directory.NewEntry("cn="+directory.EscapeDNValue(id)+","+TasksDN,
		directory.A("objectClass", "top", "extensibleObject"),
		directory.A("cn", id),
		directory.A("basedn", directory.In(directory.Computers, suffix)),
		directory.A("filter", "(fqdn=*)"),
		directory.A("scope", "sub"),
		directory.A("cleanup", "yes"),
		directory.A("ttl", "3600"),
	)
}

func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// TaskTimeout bounds the wait for a rebuild task's result.
var TaskTimeout = time.Hour

var processedRE = regexp.MustCompile(`Processed \((\d+)\)`)

// RunRebuild adds the rebuild task entry and polls it every interval until it reports
// nsTaskExitCode or ctx ends.
func RunRebuild(ctx context.Context, dir directory.Client, interval time.Duration) (*TaskResult, error) {
	e := TaskEntry(dir.Suffix(), uuid4())
	dn, err := dir.Add(ctx, e)
	if err != nil {
		return nil, fmt.Errorf("start automember rebuild task: %w", err)
	}
	if dn == "" {
		dn = e.DN
	}
	res := &TaskResult{DN: dn}
	// The task's ttl is an hour; a rebuild that has not finished by then never will.
	ctx, cancel := context.WithTimeout(ctx, TaskTimeout)
	defer cancel()
	seen := false
	for {
		got, err := dir.Search(ctx, directory.SearchRequest{BaseDN: dn, Scope: directory.ScopeBase,
			Filter: "(objectClass=*)", Attributes: []string{"nsTaskExitCode", "nsTaskStatus", "nsTaskLog"}})
		switch {
		case err == nil:
			seen = true
		case directory.IsNotFound(err) && seen:
			return nil, fmt.Errorf("automember rebuild task %s vanished before it reported a result", dn)
		case !directory.IsNotFound(err):
			return nil, fmt.Errorf("poll automember rebuild task: %w", err)
		}
		if len(got) == 1 && got[0].First("nsTaskExitCode") != "" {
			res.ExitCode, _ = strconv.Atoi(got[0].First("nsTaskExitCode"))
			res.Status = strings.TrimSpace(got[0].First("nsTaskStatus"))
			if m := processedRE.FindStringSubmatch(res.Status + " " + got[0].First("nsTaskLog")); m != nil {
				res.Processed, _ = strconv.Atoi(m[1])
			}
			if res.ExitCode != 0 {
				return res, fmt.Errorf("automember rebuild task failed (exit %d): %s", res.ExitCode, res.Status)
			}
			return res, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for automember rebuild task %s: %w", dn, ctx.Err())
		case <-time.After(interval):
		}
	}
}
