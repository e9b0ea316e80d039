package accessctl_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/accessctl/accessctl/internal/ptytest"
)

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// Human output fits the terminal: through a real pty 80 and 120 columns wide, no line
// of audit (the seeded directory: one finding of every kind) or of any table command
// is wider than the terminal, and nothing is lost (every finding id is printed).
func TestOutputFitsTerminal(t *testing.T) {
	ar, err := txtar.ParseFile("../../testdata/script/audit-seed.txtar")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.ldif")
	for _, f := range ar.Files {
		if f.Name == "seed.ldif" {
			if err := os.WriteFile(seed, f.Data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	ids := regexp.MustCompile(`stdout -count=1 '"id": "([a-z-]+)"'`).FindAllStringSubmatch(string(ar.Comment), -1)
	if len(ids) < 20 {
		t.Fatalf("found %d finding ids in audit-seed.txtar", len(ids))
	}
	demo := filepath.Join(dir, "demo.ldif")
	if out, err := exec.Command("accessctl", "sandbox", "init", "--demo", demo).CombinedOutput(); err != nil {
		t.Fatalf("sandbox init: %v\n%s", err, out)
	}
	cases := []struct {
		name    string
		sandbox string
		args    []string
	}{
		{"audit", seed, []string{"audit", "--fail-on", "none"}},
		{"cluster list", demo, []string{"cluster", "list"}},
		{"cluster show", demo, []string{"cluster", "show", "amor"}},
		{"host list", demo, []string{"host", "list"}},
		{"id ranges", demo, []string{"id", "ranges"}},
		{"role list", demo, []string{"role", "list"}},
		{"automember list", demo, []string{"automember", "list"}},
		{"service binddn list", demo, []string{"service", "binddn", "list"}},
		{"access who", demo, []string{"access", "who", "amor01.cp.lsst.org"}},
	}
	for _, width := range []int{80, 120} {
		for _, c := range cases {
			t.Run(c.name+"/"+strconv.Itoa(width), func(t *testing.T) {
				cmd := exec.Command("accessctl", append([]string{"--sandbox", c.sandbox}, c.args...)...)
				cmd.Env = append(os.Environ(), "COLUMNS=", "NO_COLOR=1")
				out, err := ptytest.Run(cmd, width)
				if err != nil {
					t.Fatalf("%v: %v\n%s", c.args, err, out)
				}
				if strings.TrimSpace(out) == "" {
					t.Fatalf("%v printed nothing", c.args)
				}
				for i, line := range strings.Split(ansi.ReplaceAllString(out, ""), "\n") {
					if w := lipgloss.Width(line); w > width {
						t.Errorf("%v line %d is %d columns wide on a %d-column terminal: %q", c.args, i+1, w, width, line)
					}
				}
				if c.name == "audit" {
					for _, id := range ids {
						if !strings.Contains(out, id[1]) {
							t.Errorf("audit on a terminal lost finding %s", id[1])
						}
					}
				}
			})
		}
	}
}
