package users

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/accessctl/accessctl/pkg/inputfile"
	"github.com/accessctl/accessctl/pkg/sidefile"
)

// RecordVersion is the offboarding record format.
const RecordVersion = 1

// Record is what one offboarding did: who ran it and when, the user's before-state, and
// every reference removed, so `user reinstate --from` can undo exactly that.
type Record struct {
	Version   int       `json:"version"`
	Login     string    `json:"login"`
	DN        string    `json:"dn"`
	Operator  string    `json:"operator"`
	Time      time.Time `json:"time"`
	Directory string    `json:"directory"`
	UIDNumber string    `json:"uidnumber"`
	GIDNumber string    `json:"gidnumber"`
	// Disabled is set when this offboarding set nsAccountLock (it was not already TRUE).
	Disabled       bool          `json:"disabled"`
	Before         Before        `json:"before"`
	Removed        []Removal     `json:"removed"`
	SSHKeysRemoved []string      `json:"ssh_keys_removed,omitempty"`
	TokensDisabled []TokenChange `json:"tokens_disabled,omitempty"`
	// Indirect lists the memberOf values that went with the direct memberships.
	Indirect []string `json:"indirect,omitempty"`
}

// WriteRecord stores r as JSON in dir (created 0700 when missing) in a new file, mode
// 0600, named <login>-<UTC time>.json, synced with its directory (sidefile.Create), and
// returns its path. A directory or file that cannot be created is a *sidefile.CreateError.
func WriteRecord(dir string, r *Record) (string, error) {
	if err := makeRecordsDir(dir); err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode offboarding record: %w", err)
	}
	data = append(data, '\n')
	base := r.Login + "-" + r.Time.UTC().Format("20060102T150405Z")
	for i := 0; ; i++ {
		name := base + ".json"
		if i > 0 {
			name = fmt.Sprintf("%s-%d.json", base, i+1)
		}
		path := filepath.Join(dir, name)
		err := sidefile.Create(path, data)
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("write offboarding record: %w", err)
		}
		return path, nil
	}
}

// CheckRecordsDir makes the records directory (0700) when missing and proves a record
// can be created in it, before anything else is done.
func CheckRecordsDir(dir string) error {
	if err := makeRecordsDir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".accessctl-probe-*")
	if err != nil {
		return &sidefile.CreateError{Path: dir, InDir: true, Err: err}
	}
	f.Close()
	return os.Remove(f.Name())
}

// makeRecordsDir creates dir with mode 0700 when it does not exist; an existing
// directory is left as it is.
func makeRecordsDir(dir string) error {
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return &sidefile.CreateError{Path: dir, Err: err}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return &sidefile.CreateError{Path: dir, Err: err}
	}
	return nil
}

// ReadRecord loads an offboarding record.
func ReadRecord(path string) (*Record, error) {
	data, err := inputfile.ReadFile(path, inputfile.Record)
	if err != nil {
		return nil, err
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, jsonError(path, data, err)
	}
	if r.Version != RecordVersion {
		return nil, fmt.Errorf("offboarding record %s: unsupported version %d", path, r.Version)
	}
	if r.Login == "" || r.DN == "" {
		return nil, fmt.Errorf("offboarding record %s: login and dn are required", path)
	}
	return &r, nil
}

// jsonError names the record and the line of a JSON error without quoting the file: a
// syntax error says where, a type error which field.
func jsonError(path string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return fmt.Errorf("offboarding record %s:%d: not valid JSON", path, line)
	case errors.As(err, &te):
		return fmt.Errorf("offboarding record %s: field %s: want %s, got a JSON %s", path, te.Field, te.Type, te.Value)
	}
	return fmt.Errorf("offboarding record %s: not valid JSON", path)
}
