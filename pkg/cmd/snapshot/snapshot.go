// Package snapshot implements `accessctl snapshot FILE`: the live suffix as an LDIF file
// (paged, without cn=compat and ou=sudoers, without secrets), usable as a sandbox and by
// `audit --from` / `access ... --from`.
package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/atomicfile"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/output"
	"github.com/accessctl/accessctl/pkg/sandbox"
)

// Redacted are secrets whose presence the audit needs (a role account with a password):
// the snapshot keeps one placeholder value instead of the secret.
var Redacted = []string{"userPassword", "krbPrincipalKey"}

// Placeholder replaces the values of the Redacted attributes.
const Placeholder = "REDACTED"

// Secrets are the attributes a snapshot never holds.
var Secrets = []string{
	"krbMKey", "krbPwdHistory", "passwordHistory", "ipaNTHash",
	"ipatokenOTPkey", "ipaSecretKey", "ipaPrivateKey", "sambaNTPassword", "sambaLMPassword", "krbExtraData",
}

// Operational attributes worth keeping ("*" does not return them).
var Operational = []string{"nsAccountLock", "memberOf", "nsds5ReplConflict", "passwordExpirationTime", "nsIdleTimeout"}

// Options are the flags of `snapshot`.
type Options struct {
	Factory *cmdutil.Factory
	Out     cmdutil.OutputFlag
	Path    string
	Force   bool
}

// Result is what `snapshot -o json` prints.
type Result struct {
	File     string `json:"file" yaml:"file"`
	Suffix   string `json:"suffix" yaml:"suffix"`
	Entries  int    `json:"entries" yaml:"entries"`
	Stripped int    `json:"stripped_values" yaml:"stripped_values"`
}

// NewCmdSnapshot builds `accessctl snapshot FILE`.
func NewCmdSnapshot(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	o := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "snapshot FILE",
		Short: "Write the directory to an LDIF file (no secrets, mode 0600), usable as a sandbox or by audit --from",
		Long: `Read the whole suffix with one paged search and write it to FILE as LDIF, without the
cn=compat and ou=sudoers trees and without secrets: ` + strings.Join(Secrets, ", ") + ` are left
out, and ` + strings.Join(Redacted, ", ") + ` keep only the value ` + Placeholder + ` (the audit checks their
presence).
The file is created with mode 0600; an existing file is replaced only with --force.`,
		Example: `  accessctl snapshot site.ldif
  accessctl --sandbox site.ldif access who amor01.cp.lsst.org
  accessctl audit --from site.ldif`,
		GroupID: "setup",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Out.Validate(); err != nil {
				return err
			}
			o.Path = args[0]
			if _, err := os.Lstat(o.Path); err == nil && !o.Force {
				return cmdutil.InputErrorf("%s exists; use --force to replace it", o.Path)
			}
			// Even --force replaces only a regular file: never a device, FIFO or directory.
			if _, _, _, err := atomicfile.Resolve(o.Path); err != nil {
				return cmdutil.InputError(fmt.Errorf("snapshot: %w", err))
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return Run(cmd.Context(), o)
		},
	}
	cmdutil.AddOutputFlag(cmd, &o.Out)
	cmd.Flags().BoolVar(&o.Force, "force", false, "replace FILE if it exists")
	return cmd
}

func depth(dn string) int {
	n := 0
	for d := dn; d != ""; d = directory.Parent(d) {
		n++
		if n > 64 {
			break
		}
	}
	return n
}

// Take reads the suffix in one search and returns the entries to write, parents first,
// secrets removed, and the number of values removed.
func Take(ctx context.Context, dir directory.Client) ([]*directory.Entry, int, error) {
	s := dir.Suffix()
	entries, err := dir.Search(ctx, directory.SearchRequest{BaseDN: s, Scope: directory.ScopeSub,
		Filter: "(|(objectClass=*)(objectClass=ldapSubEntry))", Attributes: append([]string{"*"}, Operational...)})
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", s, err)
	}
	secret, redact := map[string]bool{}, map[string]bool{}
	for _, a := range Secrets {
		secret[strings.ToLower(a)] = true
	}
	for _, a := range Redacted {
		redact[strings.ToLower(a)] = true
	}
	compat, sudoers := directory.In("cn=compat", s), directory.In("ou=sudoers", s)
	var out []*directory.Entry
	stripped := 0
	for _, e := range entries {
		if directory.IsUnder(e.DN, compat) || directory.IsUnder(e.DN, sudoers) {
			continue
		}
		c := &directory.Entry{DN: e.DN}
		for _, a := range e.Attributes {
			if secret[strings.ToLower(a.Name)] {
				stripped += len(a.Values)
				continue
			}
			if redact[strings.ToLower(a.Name)] {
				stripped += len(a.Values)
				a = directory.Attribute{Name: a.Name, Values: []string{Placeholder}}
			}
			c.Attributes = append(c.Attributes, a)
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		di, dj := depth(out[i].DN), depth(out[j].DN)
		if di != dj {
			return di < dj
		}
		return directory.NormalizeDN(out[i].DN) < directory.NormalizeDN(out[j].DN)
	})
	return out, stripped, nil
}

// Run writes the snapshot.
func Run(ctx context.Context, o *Options) error {
	f := o.Factory
	dir, err := f.Directory(ctx)
	if err != nil {
		return err
	}
	entries, stripped, err := Take(ctx, dir)
	if err != nil {
		return err
	}
	if err := write(o.Path, entries); err != nil {
		return err
	}
	res := &Result{File: o.Path, Suffix: dir.Suffix(), Entries: len(entries), Stripped: stripped}
	return output.Print(f.IO, o.Out.Value, res, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "wrote %d entries of %s to %s (%d secret values left out)\n", res.Entries, res.Suffix, res.File, res.Stripped)
		return err
	})
}

// write creates the file with mode 0600 through a temporary file in the same directory
// (through a symbolic link to its target; a non-regular file is refused, exit 2).
func write(path string, entries []*directory.Entry) error {
	_, err := atomicfile.Write(path, atomicfile.Options{Perm: 0o600}, func(w io.Writer) error {
		return sandbox.WriteLDIF(w, entries)
	})
	if errors.Is(err, atomicfile.ErrNotRegular) {
		return cmdutil.InputError(fmt.Errorf("write snapshot: %w", err))
	}
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return nil
}
