package accessctl_test

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/internal/testenv"
)

// A `cluster create` killed (SIGKILL: no rollback) right after its first add on the
// live server leaves a residue that `audit` names as a half cluster, and
// `cluster create NAME --fix` (no --desc) completes it.
func TestKilledCreateIsFoundAndFixed(t *testing.T) {
	env := testenv.Live(t)
	conn := []string{"--server", env.LDAPSURL, "--ca-file", env.CAFile, "--keytab", env.AdminKeytab}
	name := cmdtest.Name("kill")
	t.Cleanup(func() {
		_ = exec.Command("accessctl", append(conn, "cluster", "delete", name, "--yes")...).Run()
	})
	cmd := exec.Command("accessctl", append(conn, "--debug", "cluster", "create", name, "--desc", "Killed Run", "--yes")...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	killed := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), "add cn="+name+",") {
			_ = cmd.Process.Kill()
			killed = true
			break
		}
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatal("cluster create finished without a debug line for its first add")
	}
	time.Sleep(200 * time.Millisecond) // an add already on the wire may still land

	out, err := exec.Command("accessctl", append(conn, "audit", "-o", "json", "--fail-on", "none")...).Output()
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	var rep struct {
		Findings []struct {
			ID      string   `json:"id"`
			Objects []string `json:"objects"`
			Fix     string   `json:"fix"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	found := ""
	for _, f := range rep.Findings {
		if f.ID == "cluster-half" && len(f.Objects) > 0 && f.Objects[0] == "cluster:"+name {
			found = f.Fix
		}
	}
	if found != "accessctl cluster create "+name+" --fix" {
		t.Fatalf("audit after the killed create: cluster-half fix %q, want the --fix command", found)
	}
	if out, err := exec.Command("accessctl", append(conn, "cluster", "create", name, "--fix", "--yes")...).CombinedOutput(); err != nil {
		t.Fatalf("cluster create --fix: %v\n%s", err, out)
	}
	out, err = exec.Command("accessctl", append(conn, "cluster", "check", name)...).CombinedOutput()
	if err != nil {
		t.Fatalf("cluster check after --fix: %v\n%s", err, out)
	}
}
