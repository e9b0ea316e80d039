// Package export implements `accessctl export`: the directory's state as a Site document
// (pkg/site), on stdout or one file per object.
package export

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/access"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/names"
	"github.com/accessctl/accessctl/pkg/site"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// Options are export's flags.
type Options struct {
	Dir      string
	Clusters []string
	Users    bool
	Output   string
}

// NewCmdExport builds `accessctl export`.
func NewCmdExport(f *cmdutil.Factory) *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "export [--dir DIR] [--cluster NAME...] [--users]",
		Short: "Print the directory's state as a Site document (site as code)",
		Long: `Print the directory's clusters, roles and service bind DNs as the conventions see them,
as one Site document (apiVersion accessctl/v1; see docs/site-as-code.md and the JSON
Schema docs/site-schema.json). With --dir, write one Site document per object instead:
DIR/clusters/NAME.yaml, DIR/roles/NAME.yaml, DIR/services/NAME.yaml, DIR/users/LOGIN.yaml.

Objects that do not follow the conventions are left out and listed on stderr with the
audit finding that explains why. --users adds users (login, names, active or offboarded;
no memberships). Never a password or any other secret.

The whole export is one paged search of the directory (two with --users).`,
		Args:    cobra.NoArgs,
		GroupID: "setup",
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Output != "yaml" && o.Output != "json" {
				return cmdutil.FlagErrorf("invalid --output %q: want yaml or json", o.Output)
			}
			for _, c := range o.Clusters {
				if err := names.Cluster(c); err != nil {
					return err
				}
			}
			if o.Users && len(o.Clusters) > 0 {
				return cmdutil.FlagErrorf("--users and --cluster cannot be used together")
			}
			return run(cmd.Context(), f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Dir, "dir", "", "write one Site document per object under `DIR` instead of stdout")
	fl.StringArrayVar(&o.Clusters, "cluster", nil, "export only this cluster (repeatable; no roles, services or users)")
	fl.BoolVar(&o.Users, "users", false, "also export users (state only: active or offboarded)")
	fl.StringVarP(&o.Output, "output", "o", "yaml", "output format: yaml or json")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"yaml", "json"}, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("cluster", completion.Clusters(f))
	_ = cmd.MarkFlagDirname("dir")
	return cmd
}

// Current is the directory's state: the export and what it was made from.
type Current struct {
	*site.Exported
	Snap  *access.Snapshot
	Dir   directory.Client
	Conv  *siteconv.Conventions
	Realm string
}

// Read exports the directory f points at: the one snapshot search, plus the users'
// names with --users.
func Read(ctx context.Context, f *cmdutil.Factory, clusters []string, users bool) (*Current, error) {
	conv, err := f.Conventions()
	if err != nil {
		return nil, err
	}
	dir, err := f.Directory(ctx)
	if err != nil {
		return nil, err
	}
	snap, err := access.Read(ctx, dir)
	if err != nil {
		return nil, err
	}
	cur := &Current{Snap: snap, Dir: dir, Conv: conv, Realm: realm(f, dir.Suffix())}
	opts := site.ExportOptions{Realm: cur.Realm, Clusters: clusters, Users: users}
	if users {
		if opts.Names, err = userNames(ctx, dir); err != nil {
			return nil, err
		}
	}
	if cur.Exported, err = site.Export(snap, conv, opts); err != nil {
		var nf *site.NotFoundError
		if errors.As(err, &nf) {
			return nil, cmdutil.InputError(err)
		}
		return nil, err
	}
	return cur, nil
}

// realm is the configured realm or the one derived from the suffix.
func realm(f *cmdutil.Factory, suffix string) string {
	configured := ""
	if cfg, err := f.Config(); err == nil {
		configured = cfg.Get("realm")
	}
	return site.Realm(configured, suffix)
}

func userNames(ctx context.Context, dir directory.Client) (map[string][2]string, error) {
	es, err := dir.Search(ctx, directory.SearchRequest{BaseDN: directory.In(directory.Users, dir.Suffix()), Scope: directory.ScopeOne,
		Filter: "(objectClass=posixAccount)", Attributes: []string{"uid", "givenName", "sn"}})
	if err != nil {
		return nil, fmt.Errorf("read user names: %w", err)
	}
	out := make(map[string][2]string, len(es))
	for _, e := range es {
		out[strings.ToLower(e.First("uid"))] = [2]string{e.First("givenName"), e.First("sn")}
	}
	return out, nil
}

func run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	ex, err := Read(ctx, f, o.Clusters, o.Users)
	if err != nil {
		return err
	}
	for _, l := range ex.Left {
		fmt.Fprintf(f.IO.ErrOut, "accessctl: left out %s: %s [%s]\n", l.Object, l.Finding.Message, l.Finding.ID)
	}
	if o.Dir == "" {
		b, err := site.Marshal(&ex.Doc, o.Output)
		if err != nil {
			return err
		}
		_, err = f.IO.Out.Write(b)
		return err
	}
	return writeDir(f, o, &ex.Doc)
}

// writeDir writes one document per object. The files hold no secret: 0644 in 0755
// directories, like the rest of a git checkout.
func writeDir(f *cmdutil.Factory, o *Options, d *site.Document) error {
	files := site.Split(d)
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	ext := ".yaml"
	if o.Output == "json" {
		ext = ".json"
	}
	for _, p := range paths {
		b, err := site.Marshal(files[p], o.Output)
		if err != nil {
			return err
		}
		full := filepath.Join(o.Dir, strings.TrimSuffix(p, ".yaml")+ext)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	fmt.Fprintf(f.IO.ErrOut, "accessctl: wrote %d file(s) under %s\n", len(paths), o.Dir)
	return nil
}
