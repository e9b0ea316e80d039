package plan

import (
	"context"
	"errors"
	"sync"

	"github.com/accessctl/accessctl/pkg/directory"
)

// BeforeWrites wraps dir so that fn runs once, just before the first Add, Modify, Delete
// or Rename goes through it: a side file the change depends on (an offboarding record, a
// new password) is on disk before the directory changes, and is never written when the
// plan is not applied (dry run, --emit, answered no). When fn fails, the write is not
// made and the error is a *PrepareError (Apply then reports that nothing was changed).
func BeforeWrites(dir directory.Client, fn func() error) directory.Client {
	return &beforeWrites{Client: dir, fn: fn}
}

// PrepareError is the failure of a BeforeWrites function: no write was made.
type PrepareError struct{ Err error }

func (e *PrepareError) Error() string { return e.Err.Error() }
func (e *PrepareError) Unwrap() error { return e.Err }

type beforeWrites struct {
	directory.Client
	fn   func() error
	once sync.Once
	err  error
}

func (b *beforeWrites) prepare() error {
	b.once.Do(func() {
		if err := b.fn(); err != nil {
			b.err = &PrepareError{Err: err}
		}
	})
	return b.err
}

func (b *beforeWrites) Add(ctx context.Context, e *directory.Entry) (string, error) {
	if err := b.prepare(); err != nil {
		return "", err
	}
	return b.Client.Add(ctx, e)
}

func (b *beforeWrites) Modify(ctx context.Context, dn string, mods []directory.Mod) error {
	if err := b.prepare(); err != nil {
		return err
	}
	return b.Client.Modify(ctx, dn, mods)
}

func (b *beforeWrites) Delete(ctx context.Context, dn string) error {
	if err := b.prepare(); err != nil {
		return err
	}
	return b.Client.Delete(ctx, dn)
}

func (b *beforeWrites) Rename(ctx context.Context, dn, newRDN, newSuperior string) error {
	if err := b.prepare(); err != nil {
		return err
	}
	return b.Client.Rename(ctx, dn, newRDN, newSuperior)
}

// NothingChanged reports whether a failed Apply (err) certainly left the directory as it
// was: the failing step was refused by the server or never sent (a BeforeWrites failure,
// an interruption between steps), and rollback undid every earlier step. A network error
// in the middle of a step is not certain: the server may have made the change.
func NothingChanged(err error) bool {
	var ae *ApplyError
	if !errors.As(err, &ae) || len(ae.Leftover) > 0 || ae.RolledBack != ae.Done {
		return false
	}
	var pe *PrepareError
	return errors.As(ae.Err, &pe) || errors.As(ae.Err, new(notStarted)) || refusedByServer(ae.Err)
}

// refusedByServer: an LDAP result saying the operation was not done (not a time limit,
// "other", or a client-side code such as a network failure or timeout).
func refusedByServer(err error) bool {
	c := directory.CodeOf(err)
	return c > 0 && c < directory.CodeOther && c != directory.CodeTimeLimitExceeded
}

// Transaction keeps the wrapped backend's transaction (the sandbox's all-or-nothing
// file write): a wrapper must not turn a plan back into one file write per step.
func (b *beforeWrites) Transaction(ctx context.Context, fn func() error) error {
	return directory.InTransaction(ctx, b.Client, fn)
}
