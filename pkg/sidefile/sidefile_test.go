package sidefile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing")
	os.WriteFile(existing, []byte("keep"), 0o644)
	link := filepath.Join(dir, "link")
	os.Symlink(filepath.Join(dir, "target"), link)
	tests := []struct {
		name   string
		path   string
		create bool // a *CreateError otherwise
	}{
		{"new file", filepath.Join(dir, "new"), true},
		{"existing file", existing, false},
		{"dangling symlink", link, false},
		{"missing directory", filepath.Join(dir, "no", "such", "f"), false},
		{"a directory", dir, false},
		{"proc", "/proc/self/sidefile-test", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Create(tt.path, []byte("secret\n"))
			var ce *CreateError
			if tt.create {
				if err != nil {
					t.Fatal(err)
				}
				st, _ := os.Stat(tt.path)
				data, _ := os.ReadFile(tt.path)
				if st.Mode().Perm() != 0o600 || string(data) != "secret\n" {
					t.Fatalf("mode %v, content %q", st.Mode().Perm(), data)
				}
				return
			}
			if !errors.As(err, &ce) {
				t.Fatalf("err %v, want a CreateError", err)
			}
		})
	}
	if data, _ := os.ReadFile(existing); string(data) != "keep" {
		t.Error("an existing file was changed")
	}
	if _, err := os.Lstat(filepath.Join(dir, "target")); err == nil {
		t.Error("the symlink was followed")
	}
}
