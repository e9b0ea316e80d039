package rename

import (
	"os"
	"path/filepath"
	"testing"
)

// A write that fails (here: a file opened read-only, as a full disk would) is
// returned, not reported as saved.
func TestWriteSyncedReportsWriteError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeSynced(f, []byte("x")); err == nil {
		t.Fatal("writeSynced on a read-only file: no error")
	}
}
