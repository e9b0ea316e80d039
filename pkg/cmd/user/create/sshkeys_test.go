package create_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/cmd/user/create"
)

// A real ed25519 public key (no private half kept).
const goodKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL0bwn6aRlDPZygyDW34Br7IYcEjirzanwNgPs/1eM/m"

// TestReadSSHKeys: keys come back normalised as FreeIPA stores them; a bad line is named
// by its number and never quoted.
func TestReadSSHKeys(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string
		inErr      string
	}{
		{"normalised", "# mine\n\n  " + goodKey + "   Jane  Roe \n", []string{goodKey + " Jane  Roe"}, ""},
		{"options", "no-pty,FROM=\"10.1.0.0/16\" " + goodKey + " j\n", []string{`from="10.1.0.0/16",no-pty ` + goodKey + " j"}, ""},
		{"bad second key", goodKey + "\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCnotakey zzsecret\n", nil, "--ssh-key file line 2: not a valid SSH public key"},
		{"bare base64", "AAAAC3NzaC1lZDI1NTE5AAAAIL0bwn6aRlDPZygyDW34Br7IYcEjirzanwNgPs/1eM/m\n", nil, "--ssh-key file line 1: not a valid SSH public key"},
		{"duplicate", goodKey + " a\n" + goodKey + "  a\n", nil, "--ssh-key file line 2: the same key as line 1"},
		{"private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n", nil, "--ssh-key file line 1: this is a private key"},
		{"none", "# nothing\n", nil, "holds no SSH public key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "k.pub")
			if err := os.WriteFile(p, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := create.ReadSSHKeys(p)
			if tt.inErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.inErr) {
					t.Fatalf("err = %v, want %q", err, tt.inErr)
				}
				if strings.Contains(err.Error(), "AAAA") || strings.Contains(err.Error(), "zzsecret") || strings.Contains(err.Error(), "b3Bl") {
					t.Errorf("error quotes the file: %v", err)
				}
				return
			}
			if err != nil || strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
