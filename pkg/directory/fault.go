package directory

import (
	"context"
	"fmt"
	"sync/atomic"
)

// ErrInjected is the failure the fault injector returns.
var ErrInjected = &Error{Code: CodeUnavailable, Op: "fault", Message: "injected fault"}

// Faulty wraps a Client and fails the FailAt-th write operation (1-based; searches are
// not counted unless CountReads is set). Every all-or-nothing test drives it over every N.
type Faulty struct {
	Client
	FailAt     int64
	CountReads bool
	n          atomic.Int64
}

// NewFaulty fails write number failAt.
func NewFaulty(c Client, failAt int64) *Faulty { return &Faulty{Client: c, FailAt: failAt} }

// Ops returns how many counted operations were attempted.
func (f *Faulty) Ops() int64 { return f.n.Load() }

func (f *Faulty) hit(op, dn string) error {
	if f.FailAt > 0 && f.n.Add(1) == f.FailAt {
		return &Error{Code: CodeUnavailable, Op: op, DN: dn, Message: fmt.Sprintf("injected fault at operation %d", f.FailAt), Err: ErrInjected}
	}
	return nil
}

func (f *Faulty) Search(ctx context.Context, r SearchRequest) ([]*Entry, error) {
	if f.CountReads {
		if err := f.hit("search", r.BaseDN); err != nil {
			return nil, err
		}
	}
	return f.Client.Search(ctx, r)
}
func (f *Faulty) Add(ctx context.Context, e *Entry) (string, error) {
	if err := f.hit("add", e.DN); err != nil {
		return "", err
	}
	return f.Client.Add(ctx, e)
}
func (f *Faulty) Modify(ctx context.Context, dn string, m []Mod) error {
	if err := f.hit("modify", dn); err != nil {
		return err
	}
	return f.Client.Modify(ctx, dn, m)
}
func (f *Faulty) Delete(ctx context.Context, dn string) error {
	if err := f.hit("delete", dn); err != nil {
		return err
	}
	return f.Client.Delete(ctx, dn)
}
func (f *Faulty) Rename(ctx context.Context, dn, rdn, sup string) error {
	if err := f.hit("rename", dn); err != nil {
		return err
	}
	return f.Client.Rename(ctx, dn, rdn, sup)
}
