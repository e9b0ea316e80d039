package plan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/accessctl/accessctl/pkg/directory"
)

// Step records one operation Apply made, so it can be undone.
type Step struct {
	Change Change
	// StoredDN is where a created entry landed.
	StoredDN string
}

// ApplyError reports a failed apply and what rollback did.
type ApplyError struct {
	Failed     Change
	Err        error
	Done       int      // changes applied before the failure
	RolledBack int      // of those, undone
	Leftover   []string // what rollback could not undo (DNs)
}

func (e *ApplyError) Error() string {
	s := fmt.Sprintf("%s %s %q failed: %v", e.Failed.Action, e.Failed.Kind, e.Failed.Name, e.Err)
	switch {
	case e.Done == 0:
		s += "; nothing was changed"
	case len(e.Leftover) == 0:
		s += fmt.Sprintf("; rolled back the %d change(s) made, the directory is as before", e.RolledBack)
	default:
		s += fmt.Sprintf("; rollback incomplete, left: %s (re-run to converge)", strings.Join(e.Leftover, "; "))
	}
	return s
}

func (e *ApplyError) Unwrap() error { return e.Err }

// Apply performs the plan's pending changes in order. On the first failure (including a
// cancelled ctx) it undoes, in reverse, exactly the operations this run made, on the same
// client, and returns an *ApplyError. A create that finds the entry already there is an
// error here: planners adopt existing entries before apply, so "exists" means a race.
func Apply(ctx context.Context, dir directory.Client, p *Plan) error {
	var done []Step
	for _, c := range p.Pending() {
		if err := ctx.Err(); err != nil {
			return rollback(dir, done, c, fmt.Errorf("interrupted: %w", err))
		}
		step, err := applyOne(ctx, dir, c)
		if err != nil {
			return rollback(dir, done, c, err)
		}
		done = append(done, step)
	}
	p.Applied = true
	return nil
}

func applyOne(ctx context.Context, dir directory.Client, c Change) (Step, error) {
	switch c.Action {
	case Create:
		dn, err := dir.Add(ctx, c.Entry)
		if err != nil {
			return Step{}, err
		}
		return Step{Change: c, StoredDN: dn}, nil
	case Modify:
		return Step{Change: c}, dir.Modify(ctx, c.DN, c.Mods)
	case Delete:
		return Step{Change: c}, dir.Delete(ctx, c.DN)
	}
	return Step{}, fmt.Errorf("unknown action %q", c.Action)
}

// rollback undoes done in reverse with a fresh context: the run's own may be cancelled.
func rollback(dir directory.Client, done []Step, failed Change, cause error) error {
	ae := &ApplyError{Failed: failed, Err: cause, Done: len(done)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := len(done) - 1; i >= 0; i-- {
		if err := undo(ctx, dir, done[i]); err != nil {
			ae.Leftover = append(ae.Leftover, fmt.Sprintf("%s %s (%v)", done[i].Change.Action, done[i].Change.DN, err))
			continue
		}
		ae.RolledBack++
	}
	return ae
}

func undo(ctx context.Context, dir directory.Client, s Step) error {
	c := s.Change
	switch c.Action {
	case Create:
		dn := s.StoredDN
		if dn == "" {
			dn = c.DN
		}
		err := dir.Delete(ctx, dn)
		if directory.IsNotFound(err) {
			return nil
		}
		return err
	case Modify:
		inv := Inverse(c)
		if len(inv) == 0 {
			return nil
		}
		return dir.Modify(ctx, c.DN, inv)
	case Delete:
		e := Restorable(c.Entry)
		_, err := dir.Add(ctx, e)
		return err
	}
	return errors.New("unknown action")
}

// Inverse returns the modifications that undo c.Mods, in reverse order.
func Inverse(c Change) []directory.Mod {
	var inv []directory.Mod
	for i := len(c.Mods) - 1; i >= 0; i-- {
		m := c.Mods[i]
		switch m.Op {
		case directory.ModAdd:
			inv = append(inv, directory.Mod{Op: directory.ModDelete, Attr: m.Attr, Values: m.Values})
		case directory.ModDelete:
			vals := m.Values
			if len(vals) == 0 {
				vals = c.Before[strings.ToLower(m.Attr)]
			}
			if len(vals) > 0 {
				inv = append(inv, directory.Mod{Op: directory.ModAdd, Attr: m.Attr, Values: vals})
			}
		case directory.ModReplace:
			before := c.Before[strings.ToLower(m.Attr)]
			if len(before) == 0 {
				inv = append(inv, directory.Mod{Op: directory.ModDelete, Attr: m.Attr})
			} else {
				inv = append(inv, directory.Mod{Op: directory.ModReplace, Attr: m.Attr, Values: before})
			}
		}
	}
	return inv
}

// operational attributes the server maintains; they cannot be sent on add.
var operational = map[string]bool{
	"memberof": true, "entrydn": true, "entryid": true, "entryuuid": true, "nsuniqueid": true,
	"createtimestamp": true, "modifytimestamp": true, "creatorsname": true, "modifiersname": true,
	"numsubordinates": true, "hassubordinates": true, "parentid": true, "subschemasubentry": true,
	"mepmanagedentry": true,
}

// Restorable turns a deleted entry's before-state into an entry that can be added back:
// server-maintained attributes are dropped and a server-generated ipaUniqueID is asked
// for again (only Directory Manager may set one; the name, not the UUID, is the identity).
func Restorable(before *directory.Entry) *directory.Entry {
	e := &directory.Entry{DN: before.DN}
	for _, a := range before.Attributes {
		if operational[strings.ToLower(a.Name)] {
			continue
		}
		if strings.EqualFold(a.Name, "ipaUniqueID") {
			e.Attributes = append(e.Attributes, directory.A(a.Name, "autogenerate"))
			continue
		}
		e.Attributes = append(e.Attributes, directory.Attribute{Name: a.Name, Values: append([]string(nil), a.Values...)})
	}
	if strings.HasPrefix(strings.ToLower(e.DN), "ipauniqueid=") {
		e.DN = "ipaUniqueID=autogenerate," + directory.Parent(e.DN)
	}
	return e
}
