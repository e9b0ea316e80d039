// Package plan is the seam between deciding and doing: every command that changes the
// directory computes a Plan from one read of the current state, renders it, and applies it
// all or nothing (Apply undoes exactly what it did when any step fails).
package plan

import (
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
)

// Action is what a change does.
type Action string

const (
	Create Action = "create"
	Modify Action = "modify"
	Delete Action = "delete"
	// Unchanged: the object exists with the right shape (adopted, nothing to do).
	Unchanged Action = "unchanged"
	// Differs: the object exists with another shape and is left alone (no --fix).
	Differs Action = "differs"
)

// Change is one entry-level change.
type Change struct {
	Action Action `json:"action" yaml:"action"`
	// Kind is the object type: group, hostgroup, hbacrule, sudorule, user, host, automember...
	Kind string `json:"kind" yaml:"kind"`
	Name string `json:"name" yaml:"name"`
	DN   string `json:"dn" yaml:"dn"`
	// Entry is the full entry for Create, and the before-state for Delete.
	Entry *directory.Entry `json:"entry,omitempty" yaml:"entry,omitempty"`
	// Mods are the modifications for Modify.
	Mods []directory.Mod `json:"mods,omitempty" yaml:"mods,omitempty"`
	// Before holds the prior values of attributes that Mods replace or delete wholesale,
	// so rollback can restore them.
	Before map[string][]string `json:"before,omitempty" yaml:"before,omitempty"`
	// Removes marks a change that takes away access or data (confirmation rules).
	Removes bool `json:"removes,omitempty" yaml:"removes,omitempty"`
	// Notes explain the change or the difference found.
	Notes []string `json:"notes,omitempty" yaml:"notes,omitempty"`
	// IPA holds the equivalent `ipa` commands, for --emit ipa.
	IPA []string `json:"ipa,omitempty" yaml:"ipa,omitempty"`
	// LookupFilter finds the stored entry after Create when the server generates the RDN
	// (ipaUniqueID=autogenerate): searched one level under the parent.
	LookupFilter string `json:"-" yaml:"-"`
}

// Plan is an ordered list of changes.
type Plan struct {
	Title    string   `json:"title" yaml:"title"`
	Changes  []Change `json:"changes" yaml:"changes"`
	Warnings []string `json:"warnings,omitempty" yaml:"warnings,omitempty"`
	// Info lines add context to the text rendering (e.g. hosts an automember rule pulls in).
	Info []string `json:"info,omitempty" yaml:"info,omitempty"`
	// DryRun is set when the plan is rendered without being applied.
	DryRun bool `json:"dry_run" yaml:"dry_run"`
	// Applied is set after Apply succeeds.
	Applied bool `json:"applied" yaml:"applied"`
}

// Add appends a change.
func (p *Plan) Add(c Change) { p.Changes = append(p.Changes, c) }

// Warn appends a warning.
func (p *Plan) Warn(format string) { p.Warnings = append(p.Warnings, format) }

// Pending returns the changes that do something.
func (p *Plan) Pending() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Action == Create || c.Action == Modify || c.Action == Delete {
			out = append(out, c)
		}
	}
	return out
}

// Empty reports whether applying would change nothing.
func (p *Plan) Empty() bool { return len(p.Pending()) == 0 }

// Removing reports whether any pending change removes access or data.
func (p *Plan) Removing() bool {
	for _, c := range p.Pending() {
		if c.Removes || c.Action == Delete {
			return true
		}
	}
	return false
}

// HasDiffers reports objects found with another shape and left alone.
func (p *Plan) HasDiffers() bool {
	for _, c := range p.Changes {
		if c.Action == Differs {
			return true
		}
	}
	return false
}

// Counts returns how many changes of each action the plan has.
func (p *Plan) Counts() map[Action]int {
	m := map[Action]int{}
	for _, c := range p.Changes {
		m[c.Action]++
	}
	return m
}

// ModsFor computes the modifications that make entry cur's attribute attr hold exactly
// want (set semantics, values compared case-insensitively), as separate add/delete mods so
// that a concurrent change of other values is not overwritten.
func ModsFor(cur *directory.Entry, attr string, want []string) []directory.Mod {
	return modsFor(cur, attr, want, strings.ToLower)
}

// ModsForExact is ModsFor for case-sensitive values such as regexes.
func ModsForExact(cur *directory.Entry, attr string, want []string) []directory.Mod {
	return modsFor(cur, attr, want, func(s string) string { return s })
}

func modsFor(cur *directory.Entry, attr string, want []string, key func(string) string) []directory.Mod {
	var haveVals []string
	if cur != nil {
		haveVals = cur.Get(attr)
	}
	have := map[string]bool{}
	for _, v := range haveVals {
		have[key(v)] = true
	}
	wantSet := map[string]bool{}
	var add, del []string
	for _, v := range want {
		wantSet[key(v)] = true
		if !have[key(v)] {
			add = append(add, v)
		}
	}
	for _, v := range haveVals {
		if !wantSet[key(v)] {
			del = append(del, v)
		}
	}
	var mods []directory.Mod
	if len(del) > 0 {
		mods = append(mods, directory.Mod{Op: directory.ModDelete, Attr: attr, Values: del})
	}
	if len(add) > 0 {
		mods = append(mods, directory.Mod{Op: directory.ModAdd, Attr: attr, Values: add})
	}
	return mods
}
