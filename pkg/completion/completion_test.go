package completion_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/accessctl/accessctl/pkg/cmd/factory"
	"github.com/accessctl/accessctl/pkg/cmd/root"
	"github.com/accessctl/accessctl/pkg/completion"
	"github.com/accessctl/accessctl/pkg/iostreams"
	"github.com/accessctl/accessctl/pkg/sandbox"
)

// run builds a small tree whose `show` command completes with fn, and runs
// `__complete ARGS...`; it returns stdout and stderr.
func run(t *testing.T, kind func(f *factoryT) completion.Func, args ...string) (string, string) {
	t.Helper()
	io, _, _, stderr := iostreams.Test()
	flags := &factory.Flags{Set: map[string]string{}}
	f := factory.New("test", io, flags)
	show := &cobra.Command{Use: "show", Run: func(*cobra.Command, []string) {}}
	show.ValidArgsFunction = kind(f)
	cmd := root.NewCmdRoot(f, flags, show)
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs(append([]string{"__complete"}, args...))
	if err := cmd.Execute(); err != nil {
		t.Fatalf("execute: %v", err)
	}
	return out.String(), errb.String() + stderr.String()
}

type factoryT = completion.CmdutilFactory

func setup(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("HOME", dir)
	t.Setenv("ACCESSCTL_SANDBOX", "")
	t.Setenv("ACCESSCTL_COMPLETION_NO_REFRESH", "1")
	path := filepath.Join(dir, "s.ldif")
	if err := sandbox.Init(path, sandbox.InitOptions{Demo: true}); err != nil {
		t.Fatal(err)
	}
	return path
}

func names(out string) []string {
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, ":") || line == "" {
			continue
		}
		name, _, _ := strings.Cut(line, "\t")
		got = append(got, name)
	}
	return got
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestSandboxColdThenCache(t *testing.T) {
	sb := setup(t)
	out, errOut := run(t, completion.Clusters, "--sandbox", sb, "show", "")
	if got := names(out); !contains(got, "amor") {
		t.Fatalf("clusters = %q, want amor", got)
	}
	if errOut != "" {
		t.Errorf("stderr = %q, want nothing", errOut)
	}
	cache, _ := completion.CacheDir()
	files, _ := filepath.Glob(filepath.Join(cache, "completion-*-clusters.json"))
	if len(files) != 1 {
		t.Fatalf("cache files = %v", files)
	}
	// Users came with no extra search? No: they are a separate search; ask for them.
	out, _ = run(t, completion.Users, "--sandbox", sb, "show", "j")
	if got := names(out); len(got) != 1 || got[0] != "jdoe" {
		t.Fatalf("users j* = %q", got)
	}
	// With the sandbox gone, the cache still answers.
	if err := os.Rename(sb, sb+".gone"); err != nil {
		t.Fatal(err)
	}
	out, _ = run(t, completion.Hosts, "--sandbox", sb, "show", "amor")
	if got := names(out); len(got) != 0 {
		t.Fatalf("hosts without sandbox and without cache = %q, want none", got)
	}
	out, errOut = run(t, completion.Users, "--sandbox", sb, "show", "")
	if got := names(out); !contains(got, "jdoe") || errOut != "" {
		t.Fatalf("users from cache = %q (stderr %q)", got, errOut)
	}
}

func TestClosedPortQuiet(t *testing.T) {
	setup(t)
	start := time.Now()
	out, errOut := run(t, completion.Clusters, "--server", "ldaps://127.0.0.1:1", "show", "")
	if got := names(out); len(got) != 0 || errOut != "" {
		t.Fatalf("got %q, stderr %q", got, errOut)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestRangesAndPositional(t *testing.T) {
	setup(t)
	out, _ := run(t, func(f *factoryT) completion.Func { return completion.Ranges(f) }, "show", "")
	if got := names(out); strings.Join(got, ",") != "dm-role,camera-role,general" {
		t.Fatalf("ranges = %q", got)
	}
	pos := func(f *factoryT) completion.Func {
		return completion.Positional(completion.Fixed("a", "b"), completion.Fixed("x", "y"))
	}
	out, _ = run(t, pos, "show", "")
	if got := names(out); strings.Join(got, ",") != "a,b" {
		t.Fatalf("first = %q", got)
	}
	out, _ = run(t, pos, "show", "a", "x", "")
	if got := names(out); strings.Join(got, ",") != "y" {
		t.Fatalf("repeat = %q", got)
	}
}

func TestSuffixed(t *testing.T) {
	sb := setup(t)
	fn := func(f *factoryT) completion.Func { return completion.Suffixed(completion.Clusters(f), ":sudo") }
	out, _ := run(t, fn, "--sandbox", sb, "show", "am")
	if got := names(out); strings.Join(got, ",") != "amor,amor:sudo" {
		t.Fatalf("got %q", got)
	}
	out, _ = run(t, fn, "--sandbox", sb, "show", "amor:s")
	if got := names(out); strings.Join(got, ",") != "amor:sudo" {
		t.Fatalf("got %q", got)
	}
}

func TestFailureBackoff(t *testing.T) {
	setup(t)
	run(t, completion.Clusters, "--server", "ldaps://127.0.0.1:1", "show", "")
	cache, _ := completion.CacheDir()
	marks, _ := filepath.Glob(filepath.Join(cache, "completion-*.failed"))
	if len(marks) != 1 {
		t.Fatalf("failure marks = %v", marks)
	}
	out, errOut := run(t, completion.Users, "--server", "ldaps://127.0.0.1:1", "show", "")
	if got := names(out); len(got) != 0 || errOut != "" {
		t.Fatalf("got %q, stderr %q", got, errOut)
	}
}
