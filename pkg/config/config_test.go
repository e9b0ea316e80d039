package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 16.9/16.10: a config file's errors name the file and line, never quote it, and
// bad values name where they came from.
func TestLoadFileErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"shadow file", "root:$y$SECRETHASH:19000:0:99999:7:::\n_apt:*:19000:0:99999:7::\n", ":1: unknown key (known: server,"},
		{"typo", "timeout: 3s\nsever: x\n", ":2: unknown key (did you mean server?)"},
		{"not a mapping", "SECRETHASH\n", ":1: want key: value settings"},
		{"syntax", "server: [SECRETHASH\n", ":1: did not find expected ',' or ']'"},
		{"bad duration", "timeout: SECRETHASH\n", `invalid timeout "SECRETHASH" from config file `},
		{"bad bool", "insecure: yes please\n", `invalid insecure "yes please" from config file `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(nil, Paths{ConfigFile: path})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(tt.want, "SECRETHASH") {
				return // the value itself, named as such
			}
			if strings.Contains(err.Error(), "SECRETHASH") || strings.Contains(err.Error(), "root") {
				t.Fatalf("err %q quotes the file", err)
			}
		})
	}
}

func TestLoadFileLimits(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(nil, Paths{ConfigFile: dir}); err == nil || !strings.Contains(err.Error(), "not a regular file (a directory)") {
		t.Fatalf("directory: err = %v", err)
	}
	if _, err := Load(nil, Paths{ConfigFile: filepath.Join(dir, "missing.yaml")}); err != nil {
		t.Fatalf("a missing config file is no error: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 2<<20); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(nil, Paths{ConfigFile: big}); err == nil || !strings.Contains(err.Error(), "exceeds the size limit of 1 MiB") {
		t.Fatalf("2 MiB file: err = %v", err)
	}
}
