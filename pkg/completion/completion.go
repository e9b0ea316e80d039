// Package completion completes directory names (clusters, users, hosts, hostgroups, roles,
// ID ranges, service bind DNs) for cobra's shell completion.
//
// Each exported function returns a cobra completion function for ValidArgsFunction or
// RegisterFlagCompletionFunc. Answers come from a small JSON cache in the user's cache
// directory (one file per kind of name and directory: sandbox path or server list). A stale cache still
// answers at once and a detached `accessctl __refresh-completion-cache` child refreshes
// it; a cold cache is filled by reading the directory directly when one is reachable
// without asking anything (a sandbox file, a Kerberos ticket, a keytab or a password
// file). Completion never prompts and never writes to the shell's stderr: with no
// ticket or no server it answers from the cache or offers nothing.
package completion

import (
	"context"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Func is cobra's completion function type.
type Func = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective)

// Kinds of names kept in the cache.
const (
	KindUsers      = "users"
	KindHosts      = "hosts"
	KindHostgroups = "hostgroups"
	KindClusters   = "clusters"
	KindRoles      = "roles"
	KindServices   = "services" // service bind DN names (uid=NAME,cn=sysaccounts,cn=etc)
)

// AllKinds are refreshed together by the background refresh.
var AllKinds = []string{KindUsers, KindHosts, KindHostgroups, KindClusters, KindRoles, KindServices}

// MaxAge is how old a cache may be before a TAB triggers a background refresh.
var MaxAge = 5 * time.Minute

// coldTimeout bounds a direct read with a cold cache: TAB must not hang on a dead server.
const coldTimeout = 3 * time.Second

// Clusters completes cluster names: a cluster exists where the user group and hostgroup
// named by the conventions for that base name both exist.
func Clusters(f *cmdutil.Factory) Func { return names(f, KindClusters) }

// Users completes user logins (with the full name as description).
func Users(f *cmdutil.Factory) Func { return names(f, KindUsers) }

// Hosts completes host FQDNs.
func Hosts(f *cmdutil.Factory) Func { return names(f, KindHosts) }

// Hostgroups completes hostgroup names (with their description).
func Hostgroups(f *cmdutil.Factory) Func { return names(f, KindHostgroups) }

// Roles completes role account names: accounts whose UID lies in a role range of the
// conventions, and the roles named by sudoto groups.
func Roles(f *cmdutil.Factory) Func { return names(f, KindRoles) }

// ServiceBindDNs completes the names of service bind DNs
// (uid=NAME,cn=sysaccounts,cn=etc,SUFFIX); the DN is given as description.
func ServiceBindDNs(f *cmdutil.Factory) Func { return names(f, KindServices) }

// Ranges completes the ID range names of the conventions; no directory is read.
func Ranges(f *cmdutil.Factory) Func {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		s := quiet(f, cmd)
		conv, err := s.conventions()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		items := make([]Item, 0, len(conv.IDs.Ranges))
		for _, r := range conv.IDs.Ranges {
			items = append(items, Item{Name: r.Name, Desc: rangeDesc(r)})
		}
		return filter(items, args, toComplete), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
	}
}

// Positional completes each positional argument with its own function: fns[0] for the
// first argument, fns[1] for the second, ...; the last one repeats for the rest. A nil
// entry offers nothing for that position.
//
//	ValidArgsFunction: completion.Positional(completion.Clusters(f), completion.Users(f))
func Positional(fns ...Func) Func {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if cmd != nil {
			cmd.Root().SetErr(io.Discard)
		}
		if len(fns) == 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		i := len(args)
		if i >= len(fns) {
			i = len(fns) - 1
		}
		if fns[i] == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		// Only the arguments of the repeating position count as "already given".
		rest := args
		if len(args) >= len(fns)-1 && len(fns) > 1 {
			rest = args[len(fns)-1:]
		} else if len(fns) > 1 {
			rest = nil
		}
		return fns[i](cmd, rest, toComplete)
	}
}

// Fixed completes a fixed list of words (flag values such as formats).
func Fixed(words ...string) Func {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		items := make([]Item, len(words))
		for i, w := range words {
			items[i] = Item{Name: w}
		}
		return filter(items, args, toComplete), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
	}
}

// NoFiles offers nothing, and no file names either (for free-text arguments).
func NoFiles(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// Item is one completion candidate.
type Item struct {
	Name string `json:"n"`
	Desc string `json:"d,omitempty"`
}

func names(f *cmdutil.Factory, kind string) Func {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		s := quiet(f, cmd)
		items := s.lookup(cmd.Context(), kind)
		return filter(items, args, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// filter keeps the items starting with toComplete that are not already among args, as
// "name\tdescription" lines (cobra drops descriptions for shells that show none).
func filter(items []Item, args []string, toComplete string) []string {
	given := make(map[string]bool, len(args))
	for _, a := range args {
		given[strings.ToLower(a)] = true
	}
	prefix := strings.ToLower(toComplete)
	var out []string
	for _, it := range items {
		if given[strings.ToLower(it.Name)] || !strings.HasPrefix(strings.ToLower(it.Name), prefix) {
			continue
		}
		if it.Desc != "" {
			out = append(out, it.Name+"\t"+oneLine(it.Desc))
		} else {
			out = append(out, it.Name)
		}
	}
	return out
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

func rangeDesc(r siteconv.Range) string {
	d := r.Description
	span := itoa(r.Min) + "-" + itoa(r.Max)
	if d == "" {
		return span
	}
	return span + ": " + d
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// quiet makes this process safe for completion: nothing on the shell's stderr (cobra's
// "Completion ended with directive" line, the sandbox notice, warnings), no prompts.
func quiet(f *cmdutil.Factory, cmd *cobra.Command) *session {
	if cmd != nil {
		cmd.Root().SetErr(io.Discard)
	}
	if f.IO != nil {
		f.IO.ErrOut = io.Discard
		f.IO.In = strings.NewReader("")
		f.IO.SetPromptDisabled(true)
		f.IO.SetStdinTTY(false)
	}
	f.Prompter = nil
	f.Debug = nil
	_ = os.Setenv("ACCESSCTL_PROMPT_DISABLED", "1")
	return newSession(f, cmd)
}

// sortItems sorts by name, case-insensitively, and drops duplicates.
func sortItems(items []Item) []Item {
	sort.Slice(items, func(i, j int) bool {
		a, b := strings.ToLower(items[i].Name), strings.ToLower(items[j].Name)
		if a != b {
			return a < b
		}
		return items[i].Desc > items[j].Desc
	})
	out := items[:0]
	for i, it := range items {
		if i > 0 && strings.EqualFold(it.Name, out[len(out)-1].Name) {
			continue
		}
		out = append(out, it)
	}
	return out
}

var _ = context.Background

// Suffixed offers each candidate of fn as is and with each suffix appended, e.g.
// Suffixed(Clusters(f), ":sudo") for `user create --cluster C[:sudo]`.
func Suffixed(fn Func, suffixes ...string) Func {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		base := toComplete
		for _, s := range suffixes {
			for i := 1; i <= len(s); i++ {
				if strings.HasSuffix(base, s[:i]) && strings.Contains(base, s[:1]) {
					base = strings.TrimSuffix(base, s[:i])
					break
				}
			}
		}
		got, dir := fn(cmd, args, base)
		out := make([]string, 0, len(got)*(1+len(suffixes)))
		for _, c := range got {
			name, desc, hasDesc := strings.Cut(c, "\t")
			for _, cand := range append([]string{name}, withEach(name, suffixes)...) {
				if !strings.HasPrefix(cand, toComplete) {
					continue
				}
				if hasDesc {
					cand += "\t" + desc
				}
				out = append(out, cand)
			}
		}
		return out, dir
	}
}

func withEach(name string, suffixes []string) []string {
	out := make([]string, len(suffixes))
	for i, s := range suffixes {
		out[i] = name + s
	}
	return out
}
