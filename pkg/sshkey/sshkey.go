// Package sshkey parses SSH public keys the way FreeIPA's SSHPublicKey does
// (ipapython/ssh.py) and renders them the way FreeIPA stores them in ipaSshPubKey
// (SSHPublicKey.openssh, applied by ipalib/util.py normalize_sshpubkey): options sorted
// by lower-case name, the key type, the base64 of the key blob, the comment.
//
// One difference, on purpose: FreeIPA only checks that the blob names the key type; here
// the blob must also be a key golang.org/x/crypto/ssh can read, so a truncated or
// corrupted key (which sshd would never accept) is refused before it is stored.
package sshkey

import (
	"encoding/base64"
	"errors"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/crypto/ssh"
)

// ErrInvalid is the one error for a line that is not an SSH public key. It never quotes
// the line: a mistaken private key must not end up in a terminal or a log.
var ErrInvalid = errors.New("not a valid SSH public key")

// Key is one parsed public key.
type Key struct {
	Type    string
	Blob    []byte            // the key in SSH wire format
	Options map[string]string // lower-case name → value (name="value")
	Flags   map[string]bool   // options without a value (no-pty, ...)
	Comment string
}

// FreeIPA's grammar (ipapython/ssh.py OPENSSH_BASE_REGEX, OPENSSH_OPTIONS_REGEX).
var (
	baseRe   = regexp.MustCompile(`^[\t ]*([^\x00\n\r]+?) [\t ]*([^\x00\n\r]+?)(?:[\t ]+([^\x00\n\r]*?)[\t ]*)?$`)
	optionRe = regexp.MustCompile(`^([-0-9A-Za-z]+)(?:="((?:\\"|[^\x00\n\r"])*)")?`)
)

// Parse reads one key line: [OPTIONS ]TYPE BASE64[ COMMENT].
func Parse(line string) (*Key, error) {
	if k, ok := parseBase(line); ok {
		return k, nil
	}
	rest := strings.TrimLeft(line, "\t ")
	opts, flags := map[string]string{}, map[string]bool{}
	for {
		m := optionRe.FindStringSubmatchIndex(rest)
		if m == nil {
			return nil, ErrInvalid
		}
		name := strings.ToLower(rest[m[2]:m[3]])
		if m[4] >= 0 {
			opts[name] = strings.ReplaceAll(rest[m[4]:m[5]], `\"`, `"`)
			delete(flags, name)
		} else {
			flags[name] = true
			delete(opts, name)
		}
		rest = rest[m[1]:]
		if rest == "" {
			return nil, ErrInvalid
		}
		sep := rest[0]
		rest = rest[1:]
		if sep == ',' {
			continue
		}
		if sep != ' ' && sep != '\t' {
			return nil, ErrInvalid
		}
		break
	}
	k, ok := parseBase(rest)
	if !ok {
		return nil, ErrInvalid
	}
	k.Options, k.Flags = opts, flags
	return k, nil
}

// parseBase reads TYPE BASE64[ COMMENT]: the blob must decode, name TYPE, and be a key.
func parseBase(s string) (*Key, bool) {
	m := baseRe.FindStringSubmatch(s)
	if m == nil {
		return nil, false
	}
	blob, err := base64.StdEncoding.Strict().DecodeString(m[2])
	if err != nil {
		return nil, false
	}
	pk, err := ssh.ParsePublicKey(blob)
	if err != nil || pk.Type() != m[1] {
		return nil, false
	}
	return &Key{Type: m[1], Blob: blob, Comment: m[3]}, true
}

// String is the key as FreeIPA stores it (SSHPublicKey.openssh).
func (k *Key) String() string {
	var b strings.Builder
	if len(k.Options)+len(k.Flags) > 0 {
		var names []string
		for n := range k.Options {
			names = append(names, n)
		}
		for n := range k.Flags {
			names = append(names, n)
		}
		sort.Strings(names)
		for i, n := range names {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(n)
			if v, ok := k.Options[n]; ok {
				b.WriteString(`="` + strings.ReplaceAll(v, `"`, `\"`) + `"`)
			}
		}
		b.WriteByte(' ')
	}
	b.WriteString(k.Type + " " + base64.StdEncoding.EncodeToString(k.Blob))
	if k.Comment != "" {
		b.WriteString(" " + k.Comment)
	}
	return b.String()
}
