package next

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/pkg/cmdutil"
	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ids"
	"github.com/accessctl/accessctl/pkg/sandbox"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

// TestNewCmdNext: argv to Options through runF; bad flags are usage errors (exit 2)
// that never reach the run function.
func TestNewCmdNext(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want Options // F and Out.Value aside
		out  string
		exit int // when not 0, runF must not be reached
	}{
		{name: "range", args: []string{"--range", "dm-role"}, want: Options{Range: "dm-role", Count: 1}, out: "table"},
		{name: "count and allocate", args: []string{"--range", "general", "--count", "3", "--allocate", "-o", "json"}, want: Options{Range: "general", Count: 3, Allocate: true}, out: "json"},
		{name: "count 1000", args: []string{"--range", "general", "--count", "1000"}, want: Options{Range: "general", Count: 1000}, out: "table"},
		{name: "no range", args: []string{}, exit: 2},
		{name: "count 0", args: []string{"--range", "general", "--count", "0"}, exit: 2},
		{name: "count 1001", args: []string{"--range", "general", "--count", "1001"}, exit: 2},
		{name: "count not a number", args: []string{"--range", "general", "--count", "x"}, exit: 2},
		{name: "bad output", args: []string{"--range", "general", "-o", "xml"}, exit: 2},
		{name: "argument", args: []string{"--range", "general", "extra"}, exit: 2},
		{name: "unknown flag", args: []string{"--range", "general", "--nosuch"}, exit: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := cmdtest.Factory(t, cmdtest.Sandbox(t))
			var got *Options
			cmd := NewCmdNext(f, func(_ context.Context, o *Options) error { got = o; return nil })
			err := cmdtest.ExecVerb(f, cmd, tt.args...)
			if tt.exit != 0 {
				if cmdutil.ExitCode(err) != tt.exit || got != nil {
					t.Fatalf("err %v (exit %d), reached run: %v; want exit %d", err, cmdutil.ExitCode(err), got != nil, tt.exit)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("err %v", err)
			}
			if got.Range != tt.want.Range || got.Count != tt.want.Count || got.Allocate != tt.want.Allocate || got.Out.Value != tt.out || got.F != f {
				t.Errorf("options %+v, want %+v with -o %s", *got, tt.want, tt.out)
			}
		})
	}
}

// TestAllocateParallel: 50 concurrent claims, each on its own connection (live) or its
// own handle of the sandbox file, hand out 50 distinct IDs.
func TestAllocateParallel(t *testing.T) {
	const n = 50
	conv := siteconv.Default()
	r, _ := ids.Range(conv, "camera-role")
	backends := []string{"sandbox"}
	if cmdtest.LiveConfigured() {
		backends = append(backends, "live")
	}
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			conns := make([]directory.Client, n)
			if b == "sandbox" {
				path := filepath.Join(t.TempDir(), "s.ldif")
				if err := sandbox.Init(path, sandbox.InitOptions{Demo: true}); err != nil {
					t.Fatal(err)
				}
				for i := range conns {
					conns[i] = cmdtest.OpenSandboxFile(t, path)
				}
			} else {
				for i := range conns {
					conns[i] = cmdtest.Live(t)
				}
				// The shared test directory's camera-role mark would otherwise grow by 50
				// every run until the range is exhausted; production marks only grow.
				t.Cleanup(func() {
					_ = conns[0].Delete(context.Background(), ids.MarkDN(r.Name, conns[0].Suffix()))
				})
			}
			got := make([][]int, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range conns {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					a, err := ids.Allocate(context.Background(), conns[i], conv, r, 1)
					if err != nil {
						errs[i] = err
						return
					}
					got[i] = a.IDs
				}(i)
			}
			close(start)
			wg.Wait()
			seen := map[int]int{}
			for i := range got {
				if errs[i] != nil {
					t.Fatalf("claim %d: %v", i, errs[i])
				}
				for _, id := range got[i] {
					if prev, dup := seen[id]; dup {
						t.Fatalf("id %d handed out twice (claims %d and %d)", id, prev, i)
					}
					if !r.Contains(id) || id <= 62003 {
						t.Fatalf("id %d outside camera-role or reserved", id)
					}
					seen[id] = i
				}
			}
			if len(seen) != n {
				t.Fatalf("%d distinct ids, want %d", len(seen), n)
			}
		})
	}
}

func TestNextReadsAndRefusals(t *testing.T) {
	for _, b := range cmdtest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dir := b.Open(t)
			ctx := context.Background()
			f, out, _ := cmdtest.Factory(t, dir)
			if err := runNext(ctx, &Options{F: f, Range: "dm-role", Count: 2, Out: cmdutil.OutputFlag{Value: "table"}}); err != nil {
				t.Fatal(err)
			}
			if f.Ops() != 3 {
				t.Errorf("id next made %d operations, want 3 (holders, ipa ranges, marks)", f.Ops())
			}
			if lines := strings.Fields(out.String()); len(lines) != 2 {
				t.Fatalf("out = %q", out)
			}
			for _, c := range []struct {
				o    Options
				want string
			}{
				{Options{Range: "nosuch", Count: 1, Allocate: true}, `unknown range "nosuch"`},
				{Options{Range: "dm-role", Count: 1000, Allocate: true}, "has only"},
			} {
				f, _, _ := cmdtest.Factory(t, dir)
				c.o.F = f
				c.o.Out.Value = "table"
				err := runNext(ctx, &c.o)
				if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%+v: err %v, want exit 2 %q", c.o, err, c.want)
				}
			}
		})
	}
}
