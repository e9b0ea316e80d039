package users

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 16.6/16.10: a record is read only from a regular file of bounded size, and its
// errors name the file and line, never its content.
func TestReadRecordErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, content, want string }{
		{"shadow file", "root:$y$SECRETHASH:19000:0:99999:7:::\n", ":1: not valid JSON"},
		{"broken on line 3", "{\n  \"version\": 1,\n  \"login\": SECRETHASH\n}\n", ":3: not valid JSON"},
		{"wrong type", `{"version": "SECRETHASH"}`, "field version: want int, got a JSON string"},
		{"version", `{"version": 7, "login": "jdoe", "dn": "uid=jdoe"}`, "unsupported version 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := ReadRecord(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want it to name %s and contain %q", err, path, tt.want)
			}
			if strings.Contains(err.Error(), "SECRETHASH") {
				t.Fatalf("err %q quotes the file", err)
			}
		})
	}
	if _, err := ReadRecord(dir); err == nil || !strings.Contains(err.Error(), "not a regular file (a directory)") {
		t.Fatalf("directory: err = %v", err)
	}
}
