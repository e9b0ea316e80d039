// Command gen writes a generated FreeIPA-shaped directory (pkg/gen) as a sandbox file
// or as an LDIF for an offline import into 389-ds, plus a JSON description of what it
// holds (user, host and cluster names the benchmarks use).
//
//	go run ./bench/gen -size small -sandbox small.ldif
//	go run ./bench/gen -size medium -base export.ldif -import import.ldif -info info.json
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/accessctl/accessctl/pkg/gen"
	"github.com/accessctl/accessctl/pkg/sandbox"
)

func main() {
	size := flag.String("size", "small", "small, medium or perf")
	suffix := flag.String("suffix", "dc=example,dc=test", "directory suffix")
	realm := flag.String("realm", "", "Kerberos realm (default: from the suffix)")
	sb := flag.String("sandbox", "", "write a sandbox file here")
	base := flag.String("base", "", "the server's export (db2ldif) of its fresh tree, to merge into")
	imp := flag.String("import", "", "write the LDIF for ldif2db here (needs -base)")
	infoPath := flag.String("info", "", "write a JSON description here")
	conv := flag.String("conventions", "", "write the size's conventions file here (perf only)")
	flag.Parse()
	if err := run(*size, *suffix, *realm, *sb, *base, *imp, *infoPath, *conv); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(size, suffix, realm, sb, base, imp, infoPath, conv string) error {
	s, ok := gen.Sizes[size]
	if !ok {
		return fmt.Errorf("unknown size %q (small, medium, perf)", size)
	}
	start := time.Now()
	b, info, err := gen.Generate(s, gen.Options{Suffix: suffix, Realm: realm, Seed: 1})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: %s: %d entries generated in %s\n", size, info.Entries, time.Since(start).Round(time.Millisecond))
	if sb != "" {
		if err := b.Save(sb); err != nil {
			return err
		}
	}
	if imp != "" {
		if base == "" {
			return fmt.Errorf("-import needs -base")
		}
		f, err := os.Open(base)
		if err != nil {
			return err
		}
		be, err := sandbox.ReadLDIF(bufio.NewReader(f))
		f.Close()
		if err != nil {
			return fmt.Errorf("read %s: %w", base, err)
		}
		out, err := os.OpenFile(imp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(out, 1<<20)
		if err := gen.WriteImport(w, be, b); err != nil {
			out.Close()
			return err
		}
		if err := w.Flush(); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
	}
	if conv != "" && s.Conventions != "" {
		if err := os.WriteFile(conv, []byte(gen.PerfConventions()), 0o644); err != nil {
			return err
		}
	}
	if infoPath != "" {
		info.Users, info.Hosts = info.Users[:min(len(info.Users), 20)], info.Hosts[:min(len(info.Hosts), 20)]
		info.LastLevel = nil
		data, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(infoPath, data, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "gen: %s: written in %s (next free ID %d)\n", size, time.Since(start).Round(time.Millisecond), info.DNANext)
	return nil
}
