package faulttest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/internal/cmdtest"
	"github.com/accessctl/accessctl/internal/testbed/faultproxy"
	"github.com/accessctl/accessctl/pkg/cluster"
	"github.com/accessctl/accessctl/pkg/siteconv"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "faulttest")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "accessctl")
	out, err := osexec.Command("go", "build", "-o", binary, "github.com/accessctl/accessctl/cmd/accessctl").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build accessctl: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// cli runs the accessctl binary with a clean environment of its own (no config, a
// temporary state directory) plus env.
func cli(t *testing.T, env []string, args ...string) result {
	t.Helper()
	home := t.TempDir()
	cmd := osexec.Command(binary, args...)
	cmd.Env = append([]string{"HOME=" + home, "XDG_CONFIG_HOME=" + home, "XDG_STATE_HOME=" + home, "XDG_CACHE_HOME=" + home,
		"PATH=" + os.Getenv("PATH"), "KRB5CCNAME=FILE:" + filepath.Join(home, "cc")}, env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: o.String(), stderr: e.String(), took: time.Since(start)}
	if ee, ok := err.(*osexec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run accessctl: %v", err)
	}
	return r
}

// liveFlags are the global flags binding to the live directory as admin (keytab).
func liveFlags(t *testing.T, servers ...string) []string {
	t.Helper()
	if !cmdtest.LiveConfigured() {
		cmdtest.Live(t) // skips (or fails in CI)
	}
	kt := os.Getenv("ACCESSCTL_TEST_ADMIN_KEYTAB")
	args := []string{"--ca-file", os.Getenv("ACCESSCTL_TEST_CA"), "--keytab", kt, "--principal", cmdtest.Principal(t, kt),
		"--krb5-conf", os.Getenv("KRB5_CONFIG"), "--suffix", os.Getenv("ACCESSCTL_TEST_SUFFIX")}
	for _, s := range servers {
		args = append(args, "--server", s)
	}
	return args
}

func startProxy(t *testing.T, target string) (*faultproxy.Proxy, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.Start(net.JoinHostPort("127.0.0.1", u.Port()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	u.Host = net.JoinHostPort(u.Hostname(), p.Port())
	return p, u.String()
}

func closedURL(t *testing.T, target string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	u, _ := url.Parse(target)
	u.Host = net.JoinHostPort(u.Hostname(), port)
	return u.String()
}

// TestCLIFailover: `accessctl --server A --server B whoami` with A a closed port and B a
// black hole reaches the third server within the connect timeouts; with only the two
// dead ones it fails with one error line naming both.
func TestCLIFailover(t *testing.T) {
	live := os.Getenv("ACCESSCTL_TEST_LDAPS_URL")
	flags := liveFlags(t)
	hp, holeURL := startProxy(t, live)
	if err := hp.BlackHole(); err != nil {
		t.Fatal(err)
	}
	dead := closedURL(t, live)

	t.Run("closed port, black hole, then the server", func(t *testing.T) {
		r := cli(t, nil, append(flags, "--server", dead, "--server", holeURL, "--server", live, "--connect-timeout", "1s", "whoami")...)
		if r.code != 0 {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, live) || !strings.Contains(strings.ToLower(r.stdout), "uid=admin") {
			t.Errorf("whoami output lacks the server or identity:\n%s", r.stdout)
		}
		if !strings.Contains(r.stdout+r.stderr, dead) || !strings.Contains(r.stdout+r.stderr, holeURL) {
			t.Errorf("failed servers not reported:\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
		}
		if r.took > 2*time.Second+5*time.Second {
			t.Errorf("failover took %s (connect timeout 1s per server)", r.took)
		}
		t.Logf("failover in %s", r.took)
	})
	t.Run("both down", func(t *testing.T) {
		r := cli(t, nil, append(flags, "--server", dead, "--server", holeURL, "--connect-timeout", "1s", "whoami")...)
		if r.code == 0 {
			t.Fatalf("whoami against two dead servers succeeded:\n%s", r.stdout)
		}
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], dead) || !strings.Contains(lines[0], holeURL) {
			t.Errorf("want one error line naming both servers, got:\n%s", r.stderr)
		}
		if r.took > 2*time.Second+3*time.Second {
			t.Errorf("took %s", r.took)
		}
		t.Logf("exit %d in %s: %s", r.code, r.took, r.stderr)
	})
}

// TestCLIClusterCreateNetworkFaults drops the connection of `cluster create` after k
// bytes from the client, for k across the whole exchange (TLS, GSSAPI bind, the read,
// the five adds): every run leaves the cluster absent or complete, or — when the
// connection died mid-change and rollback was impossible on it — names what is left,
// and a re-run converges. A stall mid-change is bounded by --timeout.
func TestCLIClusterCreateNetworkFaults(t *testing.T) {
	live := os.Getenv("ACCESSCTL_TEST_LDAPS_URL")
	flags := liveFlags(t)
	dir := cmdtest.Live(t)
	conv := siteconv.Default()
	p, purl := startProxy(t, live)
	state := func(name string) *cluster.State {
		s, err := cluster.Read(context.Background(), dir, conv, name)
		if err != nil {
			t.Fatalf("read cluster %s: %v", name, err)
		}
		return s
	}
	remove := func(name string) {
		r := cli(t, nil, append(flags, "--server", live, "cluster", "delete", name, "--yes")...)
		if r.code != 0 && state(name).Exists() {
			t.Errorf("cleanup of %s: %s", name, r.stderr)
		}
	}
	create := func(server, name string, extra ...string) result {
		return cli(t, nil, append(append(flags, "--server", server, "--timeout", "2s", "--connect-timeout", "2s",
			"cluster", "create", name, "--desc", "Fault test", "--yes"), extra...)...)
	}
	// the clean run's size in upstream bytes is found by the sweep itself: it stops
	// once a run completes untouched.
	var before, mid, after int
	var midK int64
	for k := int64(1000); k < 40000; k += 400 {
		name := cmdtest.Name("nf")
		if err := p.DropAfter(k, faultproxy.Upstream); err != nil {
			t.Fatal(err)
		}
		r := create(purl, name)
		s := state(name)
		switch {
		case r.code == 0:
			if !s.Complete() {
				t.Fatalf("k=%d: exit 0 but the cluster is incomplete", k)
			}
			after++
		case !s.Exists():
			if strings.Contains(r.stderr, "roll") {
				mid++
				midK = k
				t.Logf("k=%d: rolled back: %s", k, strings.TrimSpace(r.stderr))
			} else {
				before++
			}
		default:
			// Partly created: the connection died mid-change and rollback could not
			// run on it. The error must say so, and a re-run must converge.
			mid++
			midK = k
			t.Logf("k=%d: partly created: %s", k, strings.TrimSpace(r.stderr))
			if !strings.Contains(strings.ToLower(r.stderr), "left") && !strings.Contains(strings.ToLower(r.stderr), "roll") {
				t.Errorf("k=%d: partial cluster without a word about it:\n%s", k, r.stderr)
			}
			if rr := create(live, name, "--fix"); rr.code != 0 {
				if rr = create(live, name); rr.code != 0 {
					t.Fatalf("k=%d: re-run failed: %s", k, rr.stderr)
				}
			}
			if s := state(name); !s.Complete() || len(s.Problems()) != 0 {
				t.Fatalf("k=%d: re-run did not converge: %+v", k, s.Problems())
			}
		}
		if r.took > 10*time.Second {
			t.Errorf("k=%d: a dropped connection took %s to report", k, r.took)
		}
		if s.Exists() || r.code == 0 {
			remove(name)
		}
		if r.code == 0 {
			break
		}
	}
	t.Logf("drops before any change: %d, mid-change: %d, after the last write: %d", before, mid, after)
	if after == 0 {
		t.Fatal("the sweep never let a create complete")
	}

	// Stall at a point the sweep found mid-change: the operation timeout bounds the wait.
	t.Run("stall", func(t *testing.T) {
		if midK == 0 {
			t.Skip("no mid-change point found")
		}
		name := cmdtest.Name("ns")
		if err := p.StallAfter(midK, faultproxy.Upstream); err != nil {
			t.Fatal(err)
		}
		r := create(purl, name)
		_ = p.Pass()
		s := state(name)
		if s.Exists() {
			t.Cleanup(func() { remove(name) })
		}
		if r.code == 0 {
			t.Fatalf("create through a stalled connection succeeded:\n%s", r.stdout)
		}
		// Each operation waits at most --timeout: the failed write and then each
		// rollback write on the stalled connection (at most the five adds), plus
		// start-up and the bind. (A dead connection is not given up on after the first
		// timeout: the rollback's deletes each wait their own 2 s.)
		if limit := 6*2*time.Second + 3*time.Second; r.took > limit {
			t.Errorf("stalled create took %s, more than %s with --timeout 2s", r.took, limit)
		}
		if !strings.Contains(r.stderr, "timed out") || !strings.Contains(r.stderr, "re-run to converge") {
			t.Errorf("stall not reported as a timeout with the way out:\n%s", r.stderr)
		}
		if s.Exists() && !s.Complete() {
			if rr := create(live, name); rr.code != 0 {
				t.Fatalf("re-run failed: %s", rr.stderr)
			}
			if !state(name).Complete() {
				t.Fatal("re-run did not converge")
			}
		}
		t.Logf("stalled run: exit %d after %s: %s", r.code, r.took, strings.TrimSpace(r.stderr))
	})
}

// TestCLIUntrustedCertificate: without the CA that signed the server's certificate
// (system roots only), the CLI refuses the server with a clear message naming the fix.
func TestCLIUntrustedCertificate(t *testing.T) {
	flags := liveFlags(t, os.Getenv("ACCESSCTL_TEST_LDAPS_URL"))
	var noCA []string
	for i := 0; i < len(flags); i++ {
		if flags[i] == "--ca-file" {
			i++
			continue
		}
		noCA = append(noCA, flags[i])
	}
	// With the system roots named (without any CA, accessctl refuses before dialling:
	// testdata/script/tls-trust.txtar).
	r := cli(t, []string{"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", "SSL_CERT_DIR=/nonexistent"}, append(noCA, "--ca-file", "system", "whoami")...)
	if r.code == 0 {
		t.Fatalf("whoami trusted a certificate signed by an unknown CA:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "certificate signed by unknown authority") || !strings.Contains(r.stderr, "--ca-file") {
		t.Errorf("unclear refusal: %s", r.stderr)
	}
	if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
		t.Errorf("want one error line, got %d:\n%s", n+1, r.stderr)
	}
	t.Logf("exit %d: %s", r.code, strings.TrimSpace(r.stderr))
}
