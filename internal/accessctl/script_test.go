package accessctl_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/accessctl/accessctl/internal/accessctl"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"accessctl": func() { os.Exit(accessctl.Main()) },
	})
}

// TestScripts runs testdata/script/*.txtar. Each script gets a private HOME and XDG
// directories inside $WORK, no ACCESSCTL_SANDBOX (scripts make their own sandbox), and
// the live-directory settings (ACCESSCTL_TEST_*, KRB5_CONFIG) of the parent environment.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		Condition:           liveCondition,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"jsonvalid": jsonValid,
			"status":    status,
		},
		Setup: func(env *testscript.Env) error {
			work := env.WorkDir
			set := map[string]string{
				"HOME":            filepath.Join(work, "home"),
				"XDG_CONFIG_HOME": filepath.Join(work, "home", ".config"),
				"XDG_CACHE_HOME":  filepath.Join(work, "home", ".cache"),
				"XDG_STATE_HOME":  filepath.Join(work, "home", ".local", "state"),
				"XDG_DATA_HOME":   filepath.Join(work, "home", ".local", "share"),
			}
			for k, v := range set {
				if err := os.MkdirAll(v, 0o700); err != nil {
					return err
				}
				env.Setenv(k, v)
			}
			// Without the live directory's krb5.conf, an empty one: the machine's
			// /etc/krb5.conf (Debian's names ATHENA.MIT.EDU) must not leak a realm into
			// the sandbox scripts.
			empty := filepath.Join(work, "home", "krb5.conf")
			if err := os.WriteFile(empty, nil, 0o600); err != nil {
				return err
			}
			env.Setenv("KRB5_CONFIG", empty)
			for _, kv := range os.Environ() {
				k, v, _ := strings.Cut(kv, "=")
				if strings.HasPrefix(k, "ACCESSCTL_TEST_") || k == "KRB5_CONFIG" {
					env.Setenv(k, v)
				}
			}
			return nil
		},
	})
}

// jsonvalid FILE... fails unless each file (stdout and stderr included) holds exactly
// one valid JSON document.
func jsonValid(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: jsonvalid FILE...")
	}
	for _, a := range args {
		data := ts.ReadFile(a)
		var v any
		err := json.Unmarshal([]byte(data), &v)
		if neg && err == nil {
			ts.Fatalf("%s is valid JSON", a)
		}
		if !neg && err != nil {
			ts.Fatalf("%s is not valid JSON: %v\n%s", a, err, data)
		}
	}
}

// status N PROG ARGS... runs PROG like exec and fails unless it exits with code N.
func status(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: bad code %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		got = ee.ExitCode()
	default:
		ts.Fatalf("status: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// liveCondition answers [live]: the live test directory is configured ([ipaca]: the host has /etc/ipa/ca.crt). With CI=true a
// missing live directory is an error, so live scripts fail rather than skip in CI.
func liveCondition(cond string) (bool, error) {
	if cond == "ipaca" { // [ipaca]: this host has the IPA CA at its default path
		_, err := os.Stat("/etc/ipa/ca.crt")
		return err == nil, nil
	}
	if cond != "live" {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	ok := os.Getenv("ACCESSCTL_TEST_LDAPS_URL") != "" && os.Getenv("ACCESSCTL_TEST_ADMIN_KEYTAB") != "" && os.Getenv("KRB5_CONFIG") != ""
	if !ok && os.Getenv("CI") == "true" {
		return false, errors.New("live test directory not configured and CI=true: run testdata/ds/up")
	}
	return ok, nil
}
