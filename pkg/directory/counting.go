package directory

import (
	"context"
	"sync/atomic"
)

// Counting wraps a Client and counts the operations sent through it: the project's measure
// of LDAP round trips (a paged search counts once per page in the LDAP backend's own
// counter; here it counts once per call).
type Counting struct {
	Client
	n atomic.Int64
}

// NewCounting wraps c.
func NewCounting(c Client) *Counting { return &Counting{Client: c} }

// Count returns the number of operations so far.
func (c *Counting) Count() int64 { return c.n.Load() }

func (c *Counting) Search(ctx context.Context, r SearchRequest) ([]*Entry, error) {
	c.n.Add(1)
	return c.Client.Search(ctx, r)
}
func (c *Counting) Add(ctx context.Context, e *Entry) (string, error) {
	c.n.Add(1)
	return c.Client.Add(ctx, e)
}
func (c *Counting) Modify(ctx context.Context, dn string, m []Mod) error {
	c.n.Add(1)
	return c.Client.Modify(ctx, dn, m)
}
func (c *Counting) Delete(ctx context.Context, dn string) error {
	c.n.Add(1)
	return c.Client.Delete(ctx, dn)
}
func (c *Counting) Rename(ctx context.Context, dn, rdn, sup string) error {
	c.n.Add(1)
	return c.Client.Rename(ctx, dn, rdn, sup)
}

// WhoAmI passes through when the wrapped client supports it.
func (c *Counting) WhoAmI(ctx context.Context) (string, error) {
	if id, ok := c.Client.(Identifier); ok {
		c.n.Add(1)
		return id.WhoAmI(ctx)
	}
	return "", nil
}
