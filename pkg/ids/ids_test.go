package ids

import (
	"context"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/sandbox"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

func demo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.ldif")
	if err := sandbox.Init(path, sandbox.InitOptions{Demo: true}); err != nil {
		t.Fatal(err)
	}
	return path
}

func open(t *testing.T, path string) directory.Client {
	t.Helper()
	d, err := sandbox.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestReadHoldersOneSearch(t *testing.T) {
	dir := directory.NewCounting(open(t, demo(t)))
	h, err := ReadHolders(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if dir.Count() != 1 {
		t.Fatalf("searches = %d, want 1", dir.Count())
	}
	kinds := map[string]int{}
	for _, x := range h {
		kinds[x.Kind]++
	}
	if kinds[KindUser] < 3 || kinds[KindPrivateGroup] < 3 || kinds[KindGroup] < 2 {
		t.Fatalf("kinds = %v", kinds)
	}
}

func TestMarkChanges(t *testing.T) {
	s := &State{Marks: map[string]Mark{}}
	if c := s.MarkChanges("dm-role", 61004, "dc=x"); len(c) != 2 || c[0].Kind != "idalloc" || c[1].Entry.First(MarkAttr) != "61004" {
		t.Fatalf("fresh: %+v", c)
	}
	s = &State{ContainerExists: true, Marks: map[string]Mark{"dm-role": {Range: "dm-role", DN: "cn=dm-role", Value: 61004, Raw: "61004"}}}
	c := s.MarkChanges("dm-role", 61006, "dc=x")
	if len(c) != 1 || c[0].Action != "modify" || c[0].Mods[0].Op != directory.ModDelete || c[0].Mods[0].Values[0] != "61004" || c[0].Mods[1].Values[0] != "61006" {
		t.Fatalf("cas: %+v", c)
	}
	if c := s.MarkChanges("dm-role", 61003, "dc=x"); c != nil {
		t.Fatalf("lower mark: %+v", c)
	}
}

func TestAllocateNeverReuses(t *testing.T) {
	ctx := context.Background()
	dir := open(t, demo(t))
	conv := siteconv.Default()
	r, _ := Range(conv, "dm-role")
	a, err := Allocate(ctx, dir, conv, r, 2)
	if err != nil {
		t.Fatal(err)
	}
	// 61000-61003 are reserved: the first free are 61004, 61005.
	if a.IDs[0] != 61004 || a.IDs[1] != 61005 {
		t.Fatalf("ids = %v", a.IDs)
	}
	b, err := Allocate(ctx, dir, conv, r, 1)
	if err != nil {
		t.Fatal(err)
	}
	if b.IDs[0] != 61006 || b.Previous != 61005 {
		t.Fatalf("second = %+v", b)
	}
}

// TestAllocateParallel: 50 concurrent claims, each on its own handle of the sandbox
// (the file lock serializes writes across handles as across processes): no duplicates.
func TestAllocateParallel(t *testing.T) {
	path := demo(t)
	conv := siteconv.Default()
	r, _ := Range(conv, "camera-role")
	const n = 50
	var wg sync.WaitGroup
	got := make([]int, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			d, err := sandbox.Open(path)
			if err != nil {
				errs[i] = err
				return
			}
			defer d.Close()
			a, err := Allocate(context.Background(), d, conv, r, 1)
			if err != nil {
				errs[i] = err
				return
			}
			got[i] = a.IDs[0]
		}(i)
	}
	wg.Wait()
	seen := map[int]bool{}
	for i, id := range got {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		if seen[id] {
			t.Fatalf("duplicate id %d", id)
		}
		seen[id] = true
	}
	sort.Ints(got)
	if got[0] != 62004 || got[n-1] != 62004+n-1 {
		t.Fatalf("ids %d..%d", got[0], got[n-1])
	}
}
