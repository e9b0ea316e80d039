// Package automember is the `accessctl automember` noun: hostgroup membership by fqdn
// regex (ITTN-010 §3.2), with preview, test, rebuild and lint, and an all-or-nothing
// enforcement: after a rule changes, the hostgroup's host members are exactly the hosts
// the rule matches.
package automember

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/automember"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/hostgroups"
	"github.com/accessctl/accessctl/pkg/names"
)

// NewCmdAutomember builds the noun.
func NewCmdAutomember(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "automember",
		Short: "Hostgroup membership by fqdn regex: add, remove, preview, test, rebuild, lint",
		Long: `Hosts join hostgroups only through automember rules on fqdn, and a rule is all or
nothing: hosts that do not match are evicted (ITTN-010 §3.2). Every change previews the
hosts that join and those evicted; a plan that evicts is a removing plan (--yes off a
terminal). After a plan is applied the hostgroup's members are made exactly the hosts its
rule matches, then re-read and verified.

Regexes must lie in the subset PCRE2 (389-ds) and RE2 (Go) agree on; others are refused
with the pattern and position before anything reaches the directory.`,
		GroupID: "access",
	}
	cmd.AddCommand(
		NewCmdAdd(f, nil), NewCmdRemove(f, nil), NewCmdList(f, nil), NewCmdDelete(f, nil),
		NewCmdPreview(f, nil), NewCmdTest(f, nil), NewCmdRebuild(f, nil), NewCmdLint(f, nil),
	)
	return cmd
}

// hostgroupArg validates and normalises a hostgroup name (FreeIPA lower-cases it).
func hostgroupArg(s string) (string, error) {
	if err := names.Hostgroup(s); err != nil {
		return "", err
	}
	return strings.ToLower(s), nil
}

// validateRegexes refuses any regex outside the common subset: exit 2, nothing read.
func validateRegexes(lists ...[]string) error {
	for _, l := range lists {
		for _, re := range l {
			if err := automember.Validate(re); err != nil {
				return cmdutil.InputError(err)
			}
		}
	}
	return nil
}

// domainErr maps the domain package's errors to exit codes.
func domainErr(err error) error {
	var nf *hostgroups.NotFoundError
	var re *automember.RegexError
	if errors.As(err, &nf) || errors.As(err, &re) {
		return cmdutil.InputError(err)
	}
	return err
}

// verify re-reads the directory and checks that the named hostgroups' members are exactly
// what their rules match; it reports on stderr.
func verify(ctx context.Context, f *cmdutil.Factory, dir directory.Client, hgs []string) error {
	st, err := hostgroups.Read(ctx, dir)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	mm, err := st.Verify(hgs)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if len(mm) > 0 {
		var parts []string
		for _, m := range mm {
			parts = append(parts, fmt.Sprintf("%s (missing %v, extra %v)", m.Hostgroup, m.Missing, m.Extra))
		}
		return fmt.Errorf("verify: members differ from the rules after apply: %s", strings.Join(parts, "; "))
	}
	names := hgs
	if len(names) == 0 {
		names = st.RuleNames()
	}
	for _, n := range names {
		if g := st.Hostgroups[n]; g != nil {
			fmt.Fprintf(f.IO.ErrOut, "verified: hostgroup %s has exactly the %d host(s) its rule matches\n", n, len(g.Members))
		}
	}
	return nil
}
