package access

import (
	"fmt"

	"github.com/accessctl/accessctl/pkg/inputfile"
	"github.com/accessctl/accessctl/pkg/sandbox"
)

// ReadFile loads a snapshot from an LDIF file (`accessctl snapshot`, a sandbox file, or
// `ldapsearch -LLL` output), keeping exactly what the live search would return.
func ReadFile(path string) (*Snapshot, error) {
	f, err := inputfile.Open(path, inputfile.LDIF)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := sandbox.ReadLDIF(f)
	if err != nil {
		return nil, fmt.Errorf("read snapshot %s: %w", path, err)
	}
	suffix := SuffixOf(entries)
	if suffix == "" {
		return nil, fmt.Errorf("read snapshot %s: cannot tell the suffix (no cn=accounts or dc= entry)", path)
	}
	return New(suffix, Select(suffix, entries)), nil
}
