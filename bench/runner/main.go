// Command runner times accessctl against the bare OpenLDAP tools on one loaded
// directory (bench/run loads it), same transport and bind for both (LDAPS + GSSAPI
// from one FILE ccache), and writes the results as a section of docs/benchmarks.md.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

type info struct {
	Size     struct{ Name string }
	Domain   string
	Offboard []string
	Clusters []string
	Hosts    []string
}

type row struct {
	name, raw   string
	acc, rawT   time.Duration
	ops         string
	notMeasured string
}

var (
	bin, work, ldapsURL string
	env                 []string
	reps                int
	rowsWanted          map[string]bool // nil: all
)

func want(row string) bool { return rowsWanted == nil || rowsWanted[row] }

func onlyWhoami() bool { return len(rowsWanted) == 1 && rowsWanted["whoami"] }

func main() {
	size := flag.String("size", "small", "size name (for the report)")
	infoPath := flag.String("info", "", "generator's info.json")
	flag.StringVar(&work, "work", os.TempDir(), "work directory")
	conv := flag.String("conventions", "", "conventions file")
	load := flag.String("load", "", "how the directory was loaded (for the report)")
	out := flag.String("out", "docs/benchmarks.md", "report to update")
	flag.IntVar(&reps, "reps", envInt("BENCH_REPS", 3), "repetitions (median)")
	only := flag.String("only", "", "run only these rows (comma-separated: cluster,offboard,audit,who,preview,whoami); with -out to a scratch file")
	flag.Parse()
	if *only != "" {
		if *out == "docs/benchmarks.md" && (*only != "whoami" || *size != "whoami") {
			fmt.Fprintln(os.Stderr, "runner: -only writes a partial section: give -out a scratch file (or -only whoami -size whoami)")
			os.Exit(2)
		}
		rowsWanted = map[string]bool{}
		for _, k := range strings.Split(*only, ",") {
			rowsWanted[strings.TrimSpace(k)] = true
		}
	}
	if err := run(*size, *infoPath, *conv, *load, *out); err != nil {
		fmt.Fprintln(os.Stderr, "runner:", err)
		os.Exit(1)
	}
}

func envInt(k string, d int) int {
	if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 0 {
		return n
	}
	return d
}

func run(size, infoPath, conv, load, out string) error {
	var inf info
	// -only whoami needs no generated directory: any instance will do.
	if infoPath != "" || !onlyWhoami() {
		data, err := os.ReadFile(infoPath)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &inf); err != nil {
			return err
		}
	}
	ldapsURL = os.Getenv("ACCESSCTL_TEST_LDAPS_URL")
	if ldapsURL == "" {
		return fmt.Errorf("ACCESSCTL_TEST_LDAPS_URL unset: source the bench instance's env")
	}
	bin = filepath.Join(work, "accessctl")
	if b, err := exec.Command("go", "build", "-o", bin, "./cmd/accessctl").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v: %s", err, b)
	}
	cc := filepath.Join(work, "ccache")
	state := filepath.Join(work, "state")
	_ = os.RemoveAll(state)
	env = append(os.Environ(), "KRB5CCNAME=FILE:"+cc, "LDAPTLS_CACERT="+os.Getenv("ACCESSCTL_TEST_CA"),
		"ACCESSCTL_SERVER="+ldapsURL, "ACCESSCTL_CA_FILE="+os.Getenv("ACCESSCTL_TEST_CA"),
		"ACCESSCTL_STATE_DIR="+state, "ACCESSCTL_REALM="+os.Getenv("ACCESSCTL_TEST_REALM"))
	if conv != "" {
		env = append(env, "ACCESSCTL_CONVENTIONS="+conv)
	}
	if _, err := sh("kinit", "-kt", os.Getenv("ACCESSCTL_TEST_ADMIN_KEYTAB"), "admin@"+os.Getenv("ACCESSCTL_TEST_REALM")); err != nil {
		return err
	}
	stamp := time.Now().UnixNano() % 1e6
	var rows []row

	// cluster create vs ldapadd of the plan's own LDIF (same five entries, other name)
	if want("cluster") {
		var a, r []time.Duration
		ops := ""
		for i := 0; i < reps; i++ {
			na, nb := fmt.Sprintf("ba%d%d", stamp, i), fmt.Sprintf("bb%d%d", stamp, i)
			re := func(n string) string {
				return fmt.Sprintf(`^%s-[0-9]+\.%s$`, n, strings.ReplaceAll(inf.Domain, ".", `\.`))
			}
			d, stderr, err := timed(bin, "--debug", "cluster", "create", na, "--desc", "bench", "--host-regex", re(na), "--yes")
			if err != nil {
				return fmt.Errorf("cluster create: %v\n%s", err, stderr)
			}
			a, ops = append(a, d), opCount(stderr)
			ldif, err := sh(bin, "cluster", "create", nb, "--desc", "bench", "--host-regex", re(nb), "--emit", "ldif")
			if err != nil {
				return fmt.Errorf("cluster create --emit ldif: %v", err)
			}
			f := filepath.Join(work, "cluster.ldif")
			_ = os.WriteFile(f, []byte(ldif), 0o644)
			d, stderr, err = timed("ldapadd", "-Q", "-Y", "GSSAPI", "-H", ldapsURL, "-f", f)
			if err != nil {
				return fmt.Errorf("ldapadd: %v\n%s", err, stderr)
			}
			r = append(r, d)
		}
		rows = append(rows, row{name: "`cluster create`", raw: "one `ldapadd` of the same entries", acc: median(a), rawT: median(r), ops: ops})
	}
	// user offboard (a user in 200 groups) vs one ldapmodify batch of the same changes
	if len(inf.Offboard) >= 2 && want("offboard") {
		var a, r []time.Duration
		ops := ""
		n := min(reps, len(inf.Offboard)/2)
		for i := 0; i < n; i++ {
			ua, ub := inf.Offboard[2*i], inf.Offboard[2*i+1]
			d, stderr, err := timed(bin, "--debug", "user", "offboard", ua, "--yes", "--records", filepath.Join(work, "records"))
			if err != nil {
				return fmt.Errorf("user offboard: %v\n%s", err, stderr)
			}
			a, ops = append(a, d), opCount(stderr)
			ldif, err := sh(bin, "user", "offboard", ub, "--emit", "ldif")
			if err != nil {
				return fmt.Errorf("user offboard --emit ldif: %v", err)
			}
			f := filepath.Join(work, "offboard.ldif")
			_ = os.WriteFile(f, []byte(ldif), 0o644)
			d, stderr, err = timed("ldapmodify", "-Q", "-Y", "GSSAPI", "-H", ldapsURL, "-f", f)
			if err != nil {
				return fmt.Errorf("ldapmodify: %v\n%s", err, stderr)
			}
			r = append(r, d)
		}
		rows = append(rows, row{name: "`user offboard` (user in 200 groups)", raw: "one `ldapmodify` batch of the same changes",
			acc: median(a), rawT: median(r), ops: ops})
	}
	// reads vs ldapsearch of the same searches (base, scope, filter, attributes)
	host := ""
	if len(inf.Hosts) > 0 {
		host = inf.Hosts[0]
	}
	hg := "hg0001"
	reads := []struct {
		key, name string
		args      []string
	}{
		{"audit", "`audit`", []string{"audit", "-o", "json", "--fail-on", "none"}},
		{"who", "`access who HOST`", []string{"access", "who", host, "-o", "json"}},
		{"preview", "`automember preview HG --regex`", []string{"automember", "preview", hg, "--regex", "^hg0002-.*", "-o", "json"}},
	}
	for _, rd := range reads {
		if !want(rd.key) || host == "" {
			continue
		}
		rw, err := readRow(rd.name, rd.args)
		if err != nil {
			return err
		}
		rows = append(rows, rw)
	}
	// whoami vs ldapwhoami, FILE and KCM caches (issue 17)
	kcmNote := ""
	if want("whoami") {
		ws, note, err := whoamiRows(cc)
		if err != nil {
			return err
		}
		rows, kcmNote = append(rows, ws...), note
	}
	// absolute figures (not for a whoami-only run, which may use any directory)
	absolute := ""
	if !onlyWhoami() {
		var err error
		if absolute, err = absoluteFigures(); err != nil {
			return err
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<!-- bench:%s:begin -->\n### %s\n\n", size, size)
	if load != "" {
		load = "; loaded by " + load
	}
	fmt.Fprintf(&b, "Run %s on %s (%d reps, median; %s%s; load average %s).\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		hostInfo(), reps, ldapsURL, load, loadAvg())
	b.WriteString("| command | accessctl | bare tool | | ratio | directory ops |\n|---|---:|---:|---|---:|---:|\n")
	for _, r := range rows {
		if r.notMeasured != "" {
			fmt.Fprintf(&b, "| %s | | | %s | not measured: %s | |\n", r.name, r.raw, r.notMeasured)
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | **%.2f×** | %s |\n", r.name, ms(r.acc), ms(r.rawT), r.raw,
			float64(r.acc)/float64(r.rawT), r.ops)
	}
	if absolute != "" {
		b.WriteString("\n" + absolute)
	}
	if kcmNote != "" {
		b.WriteString("\n" + kcmNote + "\n")
	}
	fmt.Fprintf(&b, "<!-- bench:%s:end -->\n", size)
	fmt.Print(b.String())
	return updateReport(out, size, b.String())
}

var searchRe = regexp.MustCompile(`^ldap: search base="([^"]*)" scope=(\w+) filter=(.*) attrs=\[(.*)\]: (\d+) entries, (\d+) page`)

// readRow times the read command, then the same searches (from its --debug output) with
// ldapsearch, one process each.
func readRow(name string, args []string) (row, error) {
	var a, r []time.Duration
	// One untimed run first, which also tells the searches: the server was just
	// restarted by the import, and the first reader would otherwise pay for the cold
	// entry cache alone.
	_, stderr, err := timed(bin, append([]string{"--debug"}, args...)...)
	if err != nil && !strings.Contains(stderr, "finding") {
		return row{}, fmt.Errorf("%s: %v\n%s", name, err, stderr)
	}
	ops, searches := opCount(stderr), searchesOf(stderr)
	if len(searches) == 0 {
		return row{name: name, raw: "ldapsearch", notMeasured: "no search seen in --debug output"}, nil
	}
	// The two sides take turns, so that both meet the same server and machine load.
	for i := 0; i < reps; i++ {
		d, stderr, err := timed(bin, append([]string{"--debug"}, args...)...)
		if err != nil && !strings.Contains(stderr, "finding") {
			return row{}, fmt.Errorf("%s: %v\n%s", name, err, stderr)
		}
		a = append(a, d)
		var total time.Duration
		for _, s := range searches {
			d, stderr, err := timed("ldapsearch", s...)
			if err != nil {
				return row{}, fmt.Errorf("ldapsearch %v: %v\n%s", s, err, stderr)
			}
			total += d
		}
		r = append(r, total)
	}
	raw := fmt.Sprintf("`ldapsearch` of the same %d search(es)", len(searches))
	return row{name: name, raw: raw, acc: median(a), rawT: median(r), ops: ops}, nil
}

// searchesOf turns the searches in accessctl's --debug output into ldapsearch
// arguments: base, scope, filter, attributes and page size.
func searchesOf(stderr string) [][]string {
	var searches [][]string
	for _, l := range strings.Split(stderr, "\n") {
		m := searchRe.FindStringSubmatch(l)
		if m == nil || m[1] == "" {
			continue
		}
		scope := map[string]string{"base": "base", "one": "one", "sub": "sub", "single": "one", "whole": "sub", "subtree": "sub"}[strings.ToLower(m[2])]
		if scope == "" {
			scope = "sub"
		}
		// the same page size as accessctl's (entries / pages, rounded up to 100)
		n, _ := strconv.Atoi(m[5])
		pages, _ := strconv.Atoi(m[6])
		page := 500
		if pages > 1 {
			page = ((n/pages + 99) / 100) * 100
		}
		s := []string{"-Q", "-Y", "GSSAPI", "-H", ldapsURL, "-LLL", "-o", "ldif-wrap=no", "-E", fmt.Sprintf("pr=%d/noprompt", page), "-b", m[1], "-s", scope, m[3]}
		s = append(s, strings.Fields(m[4])...)
		searches = append(searches, s)
	}
	return searches
}

func opCount(stderr string) string {
	m := regexp.MustCompile(`(\d+) directory operation\(s\)`).FindAllStringSubmatch(stderr, -1)
	if len(m) == 0 {
		return "?"
	}
	return m[len(m)-1][1]
}

// whoamiReps is the least number of runs of a whoami row: a run is a few tens of
// milliseconds, so the median needs more of them than the other rows.
const whoamiReps = 11

// whoamiRows times `accessctl whoami` against `ldapwhoami -Y GSSAPI`, fresh processes
// taking turns, with the TGT in a FILE cache (fileCC, kinit'd by run) and then in a
// KCM cache of its own, each side's service ticket already in the cache (one untimed
// run of each first). The note gives KCM minus FILE for both sides.
func whoamiRows(fileCC string) ([]row, string, error) {
	n := max(reps, whoamiReps)
	realm := os.Getenv("ACCESSCTL_TEST_REALM")
	kcm := fmt.Sprintf("KCM:%d:accessctl-bench", os.Getuid())
	caches := []struct{ kind, name string }{{"FILE", "FILE:" + fileCC}, {"KCM", kcm}}
	var rows []row
	acc := map[string]time.Duration{}
	raw := map[string]time.Duration{}
	var cpuNotes []string
	for _, c := range caches {
		name := fmt.Sprintf("`whoami` (%s ccache, warm service ticket)", c.kind)
		rawName := "one `ldapwhoami -Y GSSAPI`"
		ccEnv := []string{"KRB5CCNAME=" + c.name}
		rawArgs := []string{"-Q", "-Y", "GSSAPI", "-H", ldapsURL}
		ops := ""
		// prepare fills a KCM cache and warms both sides: each stores its service
		// ticket in the cache, so the timed runs ask no KDC.
		prepare := func() error {
			if c.kind == "KCM" {
				if _, stderr, err := timedWith(ccEnv, "kinit", "-kt", os.Getenv("ACCESSCTL_TEST_ADMIN_KEYTAB"), "admin@"+realm); err != nil {
					return fmt.Errorf("kinit into %s (is sssd-kcm running?): %v\n%s", kcm, err, stderr)
				}
			}
			_, stderr, err := timedWith(ccEnv, bin, "--debug", "whoami")
			if err != nil {
				return fmt.Errorf("whoami (%s): %v\n%s", c.kind, err, stderr)
			}
			ops = opCount(stderr)
			if _, stderr, err := timedWith(ccEnv, "ldapwhoami", rawArgs...); err != nil {
				return fmt.Errorf("ldapwhoami (%s): %v\n%s", c.kind, err, stderr)
			}
			return nil
		}
		if err := prepare(); err != nil {
			if c.kind == "KCM" {
				rows = append(rows, row{name: name, raw: rawName, notMeasured: "no KCM cache: " + firstLine(err.Error())})
				continue
			}
			return nil, "", err
		}
		if c.kind == "KCM" {
			defer timedWith(ccEnv, "kdestroy")
		}
		var a, r, ca, cr []time.Duration
		// The KCM store is shared by every process of the uid: a `kdestroy -A`
		// elsewhere (a test suite) empties it. Such a pair is dropped and the cache
		// filled and warmed again, a few times at most.
		for i, refills := 0, 0; i < n; i++ {
			da, stderr, err := timedWith(ccEnv, bin, "whoami")
			cpuA := lastCPU
			if err == nil {
				var dr time.Duration
				if dr, stderr, err = timedWith(ccEnv, "ldapwhoami", rawArgs...); err == nil {
					a, r = append(a, da), append(r, dr)
					ca, cr = append(ca, cpuA), append(cr, lastCPU)
					continue
				}
			}
			if c.kind != "KCM" || refills == 3 {
				return nil, "", fmt.Errorf("whoami / ldapwhoami (%s): %v\n%s", c.kind, err, stderr)
			}
			refills++
			if err := prepare(); err != nil {
				return nil, "", err
			}
			i--
		}
		acc[c.kind], raw[c.kind] = median(a), median(r)
		cpuNotes = append(cpuNotes, fmt.Sprintf("%s: accessctl %s, `ldapwhoami` %s", c.kind, ms(median(ca)), ms(median(cr))))
		rows = append(rows, row{name: name, raw: rawName, acc: acc[c.kind], rawT: raw[c.kind], ops: ops})
	}
	note := ""
	if _, ok := acc["KCM"]; ok {
		note = fmt.Sprintf("`whoami` rows: median of %d runs each; KCM minus FILE: accessctl %+.1f ms, `ldapwhoami` %+.1f ms.", n,
			float64((acc["KCM"]-acc["FILE"]).Microseconds())/1000, float64((raw["KCM"]-raw["FILE"]).Microseconds())/1000)
	}
	if len(cpuNotes) > 0 {
		// CPU time moves less than wall time on a loaded machine; it says where the
		// time goes, not what the user waits.
		note += " Median CPU time (user + system) of the process: " + strings.Join(cpuNotes, "; ") + "."
	}
	return rows, note, nil
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func timed(name string, args ...string) (time.Duration, string, error) {
	return timedWith(nil, name, args...)
}

// timedWith is timed with extra (overriding) environment variables.
func timedWith(extra []string, name string, args ...string) (time.Duration, string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(append([]string(nil), env...), extra...)
	var eb bytes.Buffer
	cmd.Stderr = &eb
	cmd.Stdout = nil
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	lastCPU = 0
	if cmd.ProcessState != nil {
		lastCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return d, eb.String(), err
}

// lastCPU is the CPU time (user + system) of the process timedWith ran last.
var lastCPU time.Duration

func sh(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var eb bytes.Buffer
	cmd.Stderr = &eb
	o, err := cmd.Output()
	if err != nil {
		return string(o), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, eb.String())
	}
	return string(o), nil
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }

// loadAvg is the 1-minute load average at the end of the run: the machine is shared.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

func hostInfo() string {
	cpu := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.*)`).FindSubmatch(b); m != nil {
			cpu = string(m[1])
		}
	}
	n, _ := sh("nproc")
	return fmt.Sprintf("%s × %s CPU(s), shared", cpu, strings.TrimSpace(n))
}

// updateReport replaces the size's section of the report (between its markers) or
// appends it.
func updateReport(path, size, section string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	s := string(old)
	begin, end := fmt.Sprintf("<!-- bench:%s:begin -->", size), fmt.Sprintf("<!-- bench:%s:end -->\n", size)
	if i := strings.Index(s, begin); i >= 0 {
		if j := strings.Index(s[i:], end); j >= 0 {
			s = s[:i] + section + s[i+j+len(end):]
			return os.WriteFile(path, []byte(s), 0o644)
		}
	}
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return os.WriteFile(path, []byte(s+"\n"+section), 0o644)
}

// absoluteFigures times start-up and completion from a warm cache and measures the
// peak RSS of audit: the line under the size's table.
func absoluteFigures() (string, error) {
	var st, cp []time.Duration
	for i := 0; i < 10; i++ {
		d, _, err := timed(bin, "--version")
		if err != nil {
			return "", err
		}
		st = append(st, d)
	}
	if _, err := sh(bin, "__complete", "cluster", "show", ""); err != nil { // warm the cache
		return "", err
	}
	var compOut string
	for i := 0; i < 10; i++ {
		d, _, err := timed(bin, "__complete", "cluster", "show", "")
		if err != nil {
			return "", err
		}
		cp = append(cp, d)
	}
	compOut, _ = sh(bin, "__complete", "cluster", "show", "")
	nComp := 0
	for _, l := range strings.Split(compOut, "\n") {
		if l != "" && !strings.HasPrefix(l, ":") {
			nComp++
		}
	}
	// peak RSS of audit
	rss := "not measured"
	if _, err := exec.LookPath("/usr/bin/time"); err == nil {
		cmd := exec.Command("/usr/bin/time", "-v", bin, "audit", "-o", "json", "--fail-on", "none")
		cmd.Env = env
		var eb bytes.Buffer
		cmd.Stderr = &eb
		_ = cmd.Run()
		if m := regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`).FindStringSubmatch(eb.String()); m != nil {
			kb, _ := strconv.Atoi(m[1])
			rss = fmt.Sprintf("%.0f MiB", float64(kb)/1024)
		}
	}
	return fmt.Sprintf("Start-up (`accessctl --version`): %s. Completion from a warm cache (`accessctl __complete cluster show ''`, %d candidates): %s. Peak RSS of `audit`: %s.\n",
		ms(median(st)), nComp, ms(median(cp)), rss), nil
}
