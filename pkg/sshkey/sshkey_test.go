package sshkey

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// testKey is an ed25519 public key from a fixed seed, in base64 wire format.
func testKey(t *testing.T, seed byte) string {
	t.Helper()
	priv := ed25519.NewKeyFromSeed([]byte(strings.Repeat(string(rune('a'+seed)), ed25519.SeedSize)))
	pk, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(pk.Marshal())
}

func TestParseNormalises(t *testing.T) {
	k := testKey(t, 0)
	tests := []struct{ name, in, want string }{
		{"plain", "ssh-ed25519 " + k, "ssh-ed25519 " + k},
		{"comment", "ssh-ed25519 " + k + " jane@example", "ssh-ed25519 " + k + " jane@example"},
		{"comment with spaces kept, ends trimmed", " \tssh-ed25519  " + k + "\tJane Roe laptop \t", "ssh-ed25519 " + k + " Jane Roe laptop"},
		{"options sorted by lower-case name", `No-Pty,from="10.0.0.0/8",command="echo \"hi\"" ssh-ed25519 ` + k + " c",
			`command="echo \"hi\"",from="10.0.0.0/8",no-pty ssh-ed25519 ` + k + " c"},
		{"empty option value kept", `environment="" ssh-ed25519 ` + k, `environment="" ssh-ed25519 ` + k},
		{"later option wins", `from="a",from="b" ssh-ed25519 ` + k, `from="b" ssh-ed25519 ` + k},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got.String() != tt.want {
				t.Errorf("String() = %q\nwant       %q", got.String(), tt.want)
			}
			if got.Type != "ssh-ed25519" {
				t.Errorf("Type = %q", got.Type)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	k := testKey(t, 1)
	raw, _ := base64.StdEncoding.DecodeString(k)
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"type only", "ssh-ed25519"},
		{"body not base64", "ssh-ed25519 AAAA$$$$ c"},
		{"body unpadded", "ssh-ed25519 " + strings.TrimRight(k, "=")[:len(k)-2] + " c"},
		{"type differs from the body's", "ssh-rsa " + k},
		{"truncated body", "ssh-ed25519 " + base64.StdEncoding.EncodeToString(raw[:len(raw)-4])},
		{"unknown algorithm", "ssh-foo " + base64.StdEncoding.EncodeToString([]byte("\x00\x00\x00\x07ssh-foo\x00\x00\x00\x01x"))},
		{"option unterminated", `from="10.0.0.1 ssh-ed25519 ` + k},
		{"option with bad separator", `no-pty;ssh-ed25519 ` + k},
		{"private key line", "-----BEGIN OPENSSH PRIVATE KEY-----"},
		{"NUL in comment", "ssh-ed25519 " + k + " a\x00b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Parse(tt.in)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse = %v, %v; want ErrInvalid", k, err)
			}
			if strings.Contains(err.Error(), "ssh-") || strings.Contains(err.Error(), "AAAA") {
				t.Errorf("error quotes the key: %v", err)
			}
		})
	}
}
