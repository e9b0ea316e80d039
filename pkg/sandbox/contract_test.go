package sandbox_test

import (
	"path/filepath"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/directory/directorytest"
	"github.com/accessctl/accessctl/pkg/sandbox"
)

func TestContract(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox.ldif")
	if err := sandbox.Init(path, sandbox.InitOptions{}); err != nil {
		t.Fatal(err)
	}
	directorytest.Run(t, func(t *testing.T) directory.Client {
		d, err := sandbox.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	})
}
