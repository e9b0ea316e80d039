package directory

import "context"

// Transactor is implemented by backends that can make a group of writes all or nothing
// by themselves: the sandbox keeps them in memory and writes its file once, when fn
// succeeds, so that a plan failing midway (or a process dying midway) leaves the file as
// it was. plan.Apply runs inside it; LDAP has no such transaction and relies on Apply's
// own rollback.
type Transactor interface {
	Transaction(ctx context.Context, fn func() error) error
}

// InTransaction runs fn inside c's transaction when c has one, else simply runs fn.
func InTransaction(ctx context.Context, c Client, fn func() error) error {
	if t, ok := c.(Transactor); ok {
		return t.Transaction(ctx, fn)
	}
	return fn()
}

// Transaction passes through to the wrapped client.
func (c *Counting) Transaction(ctx context.Context, fn func() error) error {
	return InTransaction(ctx, c.Client, fn)
}

// Transaction passes through to the wrapped client (faults are still injected inside).
func (f *Faulty) Transaction(ctx context.Context, fn func() error) error {
	return InTransaction(ctx, f.Client, fn)
}
