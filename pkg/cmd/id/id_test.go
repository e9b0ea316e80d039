package id

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
			if err := RunNext(ctx, &NextOptions{F: f, Range: "dm-role", Count: 2, Out: cmdutil.OutputFlag{Value: "table"}}); err != nil {
				t.Fatal(err)
			}
			if f.Ops() != 3 {
				t.Errorf("id next made %d operations, want 3 (holders, ipa ranges, marks)", f.Ops())
			}
			if lines := strings.Fields(out.String()); len(lines) != 2 {
				t.Fatalf("out = %q", out)
			}
			for _, c := range []struct {
				o    NextOptions
				want string
			}{
				{NextOptions{Range: "nosuch", Count: 1, Allocate: true}, `unknown range "nosuch"`},
				{NextOptions{Range: "dm-role", Count: 1000, Allocate: true}, "has only"},
			} {
				f, _, _ := cmdtest.Factory(t, dir)
				c.o.F = f
				c.o.Out.Value = "table"
				err := RunNext(ctx, &c.o)
				if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%+v: err %v, want exit 2 %q", c.o, err, c.want)
				}
			}
		})
	}
}

func TestRangesOneRead(t *testing.T) {
	dir := cmdtest.Sandbox(t)
	f, out, _ := cmdtest.Factory(t, dir)
	if err := RunRanges(context.Background(), &RangesOptions{F: f, Out: cmdutil.OutputFlag{Value: "json"}}); err != nil {
		t.Fatal(err)
	}
	if f.Ops() != 3 {
		t.Errorf("ops = %d, want 3", f.Ops())
	}
	if !strings.Contains(out.String(), `"fix": [`) || !strings.Contains(out.String(), "ipa idrange-add dm-role --base-id=61000 --range-size=1000") {
		t.Errorf("out:\n%s", out)
	}
}
