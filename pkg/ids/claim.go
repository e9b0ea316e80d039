package ids

import (
	"context"
	"fmt"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/idrange"
	"github.com/accessctl/accessctl/pkg/plan"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Claim picks the next count IDs of r free as UID and GID, above the range's high-water
// mark and outside every reservation, and returns the plan changes that move the mark
// past them with a compare-and-swap. Put the changes in the same plan as the entries that
// use the IDs: if another run claimed first, the swap fails and the plan rolls back, so
// no ID is ever handed out twice.
func Claim(ctx context.Context, dir directory.Client, conv *siteconv.Conventions, r idrange.Range, count int) ([]int, []plan.Change, error) {
	s, err := Read(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	got, err := s.Next(conv, r, count)
	if err != nil {
		return nil, nil, fmt.Errorf("allocate ids in range %s: %w", r.Name, err)
	}
	return got, s.MarkChanges(r.Name, got[len(got)-1], dir.Suffix()), nil
}
