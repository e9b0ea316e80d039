package rename

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// State is the resumable progress of one rename, saved after every step.
type State struct {
	Old string `json:"old" yaml:"old"`
	New string `json:"new" yaml:"new"`
	// Facts are saved by the record step; nil before it.
	Facts *Facts `json:"facts" yaml:"facts"`
	// Done maps a step number to when it was recorded.
	Done map[int]time.Time `json:"done" yaml:"done"`
	// AcceptedAccessChange records --accept-access-change.
	AcceptedAccessChange bool `json:"accepted_access_change" yaml:"accepted_access_change"`

	path string
}

// StatePath is <stateDir>/rename/<old>__<new>.json.
func StatePath(stateDir, old, new string) string {
	return filepath.Join(stateDir, "rename", old+"__"+new+".json")
}

// LoadState reads the state file; a missing file gives a fresh state.
func LoadState(stateDir, old, new string) (*State, error) {
	p := StatePath(stateDir, old, new)
	st := &State{Old: old, New: new, Done: map[int]time.Time{}, path: p}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read rename state: %w", err)
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("read rename state %s: %w", p, err)
	}
	if st.Old != old || st.New != new {
		return nil, fmt.Errorf("rename state %s is for %s -> %s", p, st.Old, st.New)
	}
	if st.Done == nil {
		st.Done = map[int]time.Time{}
	}
	st.path = p
	return st, nil
}

// Exists reports whether the state has been saved before.
func (s *State) Exists() bool {
	_, err := os.Stat(s.path)
	return err == nil
}

// Path is the state file.
func (s *State) Path() string { return s.path }

// Save writes the state atomically, readable by the user only.
func (s *State) Save() error {
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("save rename state: %w", err)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("save rename state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".rename-*")
	if err != nil {
		return fmt.Errorf("save rename state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeSynced(tmp, append(b, '\n')); err != nil {
		return fmt.Errorf("save rename state: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("save rename state: %w", err)
	}
	return nil
}

// writeSynced makes f private, writes b, syncs and closes it; the first error wins,
// so a full disk or a failed close is never reported as a saved step.
func writeSynced(f *os.File, b []byte) error {
	err := f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(b)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// IsDone reports whether step n is recorded.
func (s *State) IsDone(n int) bool { _, ok := s.Done[n]; return ok }

// Next is the first step not done, or NumSteps+1 when the rename is complete.
func (s *State) Next() int {
	for n := 1; n <= NumSteps; n++ {
		if !s.IsDone(n) {
			return n
		}
	}
	return NumSteps + 1
}

// MarkDone records step n.
func (s *State) MarkDone(n int, at time.Time) { s.Done[n] = at.UTC().Truncate(time.Second) }

// From forgets steps n and later, so the run continues at n; steps before n are
// recorded as done (by the operator's word) except the record step, which only
// accessctl does.
func (s *State) From(n int, at time.Time) {
	for i := 1; i <= NumSteps; i++ {
		switch {
		case i >= n:
			delete(s.Done, i)
		case i != StepRecord && !s.IsDone(i):
			s.MarkDone(i, at)
		}
	}
}
