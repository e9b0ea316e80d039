// Package shared holds what the id verbs and the commands that claim IDs (user create,
// cluster create, role create) share: the designated-server guard and the claim-race
// explanation.
package shared

import (
	"errors"
	"fmt"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ids"
	"github.com/accessctl/accessctl/pkg/plan"
)

// CheckClaimServer refuses to apply a plan that moves a high-water mark (claims IDs)
// over a connection to any server but the designated one (see ids.Designated); dry runs
// and emitted plans change nothing and pass.
func CheckClaimServer(f *cmdutil.Factory, dir directory.Client, p *plan.Plan, pf *cmdutil.PlanFlags) error {
	if pf.DryRun || pf.Emit != "" {
		return nil
	}
	for _, c := range p.Pending() {
		if c.Kind == "idmark" {
			return ids.Designated(dir, cmdutil.Servers(f))
		}
	}
	return nil
}

// ExplainClaimRace says why a plan failed when another run moved (or created) a range's
// high-water mark first: the compare-and-swap refused the stale claim, the plan was rolled
// back, and a new run chooses the next free IDs.
func ExplainClaimRace(err error) error {
	var ae *plan.ApplyError
	if errors.As(err, &ae) && (ae.Failed.Kind == "idmark" || ae.Failed.Kind == "idalloc") && ids.IsRace(ae.Err) {
		return fmt.Errorf("%w (another run claimed ids in range %s first: run the command again)", err, ae.Failed.Name)
	}
	return err
}
