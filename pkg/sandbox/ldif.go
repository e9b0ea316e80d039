package sandbox

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/accessctl/accessctl/pkg/directory"
)

// ReadLDIF reads entries from LDIF content as `ldapsearch -LLL` prints it: folded lines,
// `attr:: base64` values, comments and a leading `version:` line are accepted. Attribute
// lines of the same name (case-insensitive) are merged into one Attribute, in the order
// first seen. Change records are not supported.
func ReadLDIF(r io.Reader) ([]*directory.Entry, error) {
	var entries []*directory.Entry
	err := readLDIF(r, func(e *directory.Entry, _ []string) error {
		entries = append(entries, e)
		return nil
	})
	return entries, err
}

// readLDIF calls fn for every entry; comments holds the comment lines seen before it.
func readLDIF(r io.Reader, fn func(*directory.Entry, []string) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	var (
		lines    []string // logical (unfolded) lines of the current record
		comments []string
		lineNo   int
		cur      strings.Builder
		have     bool
		inCmt    bool
	)
	flushLine := func() {
		if have {
			if inCmt {
				comments = append(comments, cur.String())
			} else {
				lines = append(lines, cur.String())
			}
		}
		cur.Reset()
		have, inCmt = false, false
	}
	flushRecord := func() error {
		flushLine()
		if len(lines) == 0 {
			return nil
		}
		e, err := parseRecord(lines)
		lines = lines[:0]
		if err != nil {
			return fmt.Errorf("ldif line %d: %w", lineNo, err)
		}
		if e == nil {
			return nil
		}
		c := comments
		comments = nil
		return fn(e, c)
	}
	for {
		raw, err := br.ReadString('\n')
		if raw == "" && err != nil {
			if err == io.EOF {
				break
			}
			return err
		}
		lineNo++
		line := strings.TrimRight(raw, "\r\n")
		switch {
		case line == "":
			if err := flushRecord(); err != nil {
				return err
			}
		case line[0] == ' ':
			if have {
				cur.WriteString(line[1:])
			}
		case line[0] == '#':
			flushLine()
			cur.WriteString(line)
			have, inCmt = true, true
		default:
			flushLine()
			cur.WriteString(line)
			have = true
		}
		if err == io.EOF {
			break
		}
	}
	return flushRecord()
}

func parseRecord(lines []string) (*directory.Entry, error) {
	var e *directory.Entry
	idx := map[string]int{}
	for _, l := range lines {
		name, val, err := parseLine(l)
		if err != nil {
			return nil, err
		}
		if e == nil {
			switch strings.ToLower(name) {
			case "version":
				continue
			case "dn":
				e = &directory.Entry{DN: val}
				continue
			default:
				return nil, fmt.Errorf("record does not start with dn:") // the line itself is not echoed: the file may be a secret
			}
		}
		if strings.EqualFold(name, "changetype") {
			return nil, fmt.Errorf("change records are not supported (%s)", e.DN)
		}
		k := strings.ToLower(name)
		if i, ok := idx[k]; ok {
			e.Attributes[i].Values = append(e.Attributes[i].Values, val)
			continue
		}
		idx[k] = len(e.Attributes)
		e.Attributes = append(e.Attributes, directory.Attribute{Name: name, Values: []string{val}})
	}
	return e, nil
}

func parseLine(l string) (string, string, error) {
	i := strings.IndexByte(l, ':')
	if i <= 0 {
		return "", "", fmt.Errorf("not an attribute line")
	}
	name := l[:i]
	rest := l[i+1:]
	switch {
	case strings.HasPrefix(rest, ":"):
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest[1:]))
		if err != nil {
			return "", "", fmt.Errorf("attribute %s: bad base64: %w", name, err)
		}
		return name, string(b), nil
	case strings.HasPrefix(rest, "<"):
		return "", "", fmt.Errorf("attribute %s: URL values are not supported", name)
	default:
		return name, strings.TrimLeft(rest, " "), nil
	}
}

// WriteLDIF writes entries as `ldapsearch -LLL` does: `dn:` first, one line per value,
// base64 (`attr:: `) for values that are not safe as plain text, lines folded at 76
// columns, a blank line after each entry.
func WriteLDIF(w io.Writer, entries []*directory.Entry) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	for _, e := range entries {
		writeEntry(bw, e)
	}
	return bw.Flush()
}

func writeEntry(bw *bufio.Writer, e *directory.Entry) {
	writeAttr(bw, "dn", e.DN)
	for _, a := range e.Attributes {
		for _, v := range a.Values {
			writeAttr(bw, a.Name, v)
		}
	}
	bw.WriteByte('\n')
}

const foldWidth = 76

func writeAttr(bw *bufio.Writer, name, val string) {
	var line string
	if safeValue(val) {
		line = name + ": " + val
	} else {
		line = name + ":: " + base64.StdEncoding.EncodeToString([]byte(val))
	}
	if len(line) <= foldWidth {
		bw.WriteString(line)
		bw.WriteByte('\n')
		return
	}
	// Fold at byte boundaries that do not split a UTF-8 sequence (plain values are
	// ASCII here, base64 is ASCII).
	bw.WriteString(line[:foldWidth])
	bw.WriteByte('\n')
	for rest := line[foldWidth:]; rest != ""; {
		n := foldWidth - 1
		if n > len(rest) {
			n = len(rest)
		}
		bw.WriteByte(' ')
		bw.WriteString(rest[:n])
		bw.WriteByte('\n')
		rest = rest[n:]
	}
}

// safeValue follows RFC 2849 SAFE-STRING, and like OpenLDAP's ldapsearch base64-encodes
// anything that is not printable ASCII.
func safeValue(v string) bool {
	if v == "" {
		return true
	}
	if !utf8.ValidString(v) {
		return false
	}
	switch v[0] {
	case ' ', ':', '<':
		return false
	}
	if v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}
