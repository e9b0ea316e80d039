// Package yamlerr turns go.yaml.in/yaml/v3 errors into messages that name the line and
// the kind of problem without quoting the file: yaml.v3 puts keys and values of the input
// into its messages (`cannot unmarshal !!str `root:x:0...“, `field root:*:20228 not
// found`), and a file given by mistake (/etc/shadow as a conventions file) must not have
// its first line printed on stderr.
package yamlerr

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

var (
	lineRe      = regexp.MustCompile(`^line (\d+): `)
	unmarshalRe = regexp.MustCompile(`^cannot unmarshal (!!\w+)\b.* into (\S+)$`)
	notFoundRe  = regexp.MustCompile(`^field (.*) not found in type \S+$`)
	definedRe   = regexp.MustCompile(`^mapping key .* already defined at line (\d+)$`)
	quotedRe    = regexp.MustCompile("`[^`]*`|'[^']*'|\"[^\"]*\"")
)

// Describe returns the line of the first problem (0 when yaml.v3 gives none) and a
// message that quotes nothing of the input. known lists the keys the file may use: an
// unknown key close to one of them gets a suggestion ("did you mean timeout?").
func Describe(err error, known []string) (int, string) {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	switch m := (struct{ u, n, d []string }{unmarshalRe.FindStringSubmatch(msg), notFoundRe.FindStringSubmatch(msg), definedRe.FindStringSubmatch(msg)}); {
	case m.u != nil:
		return line, "want " + goKind(m.u[2]) + ", got " + tagKind(m.u[1])
	case m.n != nil:
		return line, "unknown field" + Suggest(m.n[1], known)
	case m.d != nil:
		return line, "key already defined at line " + m.d[1]
	case strings.HasPrefix(msg, "field ") && strings.Contains(msg, " already set in type "):
		return line, "field set twice"
	case strings.HasPrefix(msg, "unknown anchor"):
		return line, "unknown anchor referenced"
	case strings.HasPrefix(msg, "anchor ") && strings.HasSuffix(msg, "contains itself"):
		return line, "anchor contains itself"
	case strings.HasPrefix(msg, "invalid map key"):
		return line, "invalid map key"
	}
	// The parser's own messages are fixed strings; drop any quoted part all the same.
	return line, quotedRe.ReplaceAllStringFunc(msg, func(q string) string {
		if len(q) == 3 && q[0] != '`' {
			return q // a single character the parser expected: ',' or ']'
		}
		return "…"
	})
}

// Suggest returns " (did you mean K?)" for the known key K closest to name (at most two
// edits away), else "". It never returns name itself.
func Suggest(name string, known []string) string {
	if len(name) > 64 {
		return ""
	}
	best, bestD := "", 3
	for _, k := range known {
		if d := distance(name, k); d < bestD && d > 0 {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// distance is the Levenshtein distance of a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func goKind(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.Contains(t, "."):
		return "a mapping"
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"), strings.HasPrefix(t, "float"):
		return "a number"
	}
	return "another type"
}

func tagKind(tag string) string {
	switch tag {
	case "!!str":
		return "a string"
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "true or false"
	case "!!seq":
		return "a list"
	case "!!map":
		return "a mapping"
	case "!!null":
		return "nothing"
	}
	return "another type"
}
