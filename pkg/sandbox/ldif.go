package sandbox

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/accessctl/accessctl/pkg/directory"
)

// Limits of the LDIF reader, so that a hostile or broken file fails with an error
// instead of exhausting memory: one logical (unfolded) line, and one decoded value.
// They are far above anything FreeIPA stores (a CA certificate is a few KiB; a
// jpegPhoto or a CRL is the largest, well under a MiB).
const (
	MaxLDIFLine  = 32 << 20 // bytes in a logical line, folded parts included (base64 of MaxLDIFValue fits)
	MaxLDIFValue = 16 << 20 // bytes in a value after base64 decoding
)

// ReadLDIF reads entries from LDIF content as `ldapsearch -LLL` prints it: folded lines,
// `attr:: base64` values, comments and a leading `version:` line are accepted. Attribute
// lines of the same name (case-insensitive) are merged into one Attribute, in the order
// first seen. Change records are not supported, nor is a record with two `dn:` lines (a
// missing blank line would otherwise merge two entries into one); lines and values are
// capped (MaxLDIFLine, MaxLDIFValue).
func ReadLDIF(r io.Reader) ([]*directory.Entry, error) {
	var entries []*directory.Entry
	err := readLDIF(r, func(e *directory.Entry, _ []string) error {
		entries = append(entries, e)
		return nil
	})
	return entries, err
}

// logicalLine is one unfolded line and the file line it starts on.
type logicalLine struct {
	text string
	no   int
}

// readLDIF calls fn for every entry; comments holds the comment lines seen before it.
// Errors name the line ("ldif line N: ...") and never quote the file's content.
func readLDIF(r io.Reader, fn func(*directory.Entry, []string) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	var (
		lines    []logicalLine // logical (unfolded) lines of the current record
		comments []string
		lineNo   int
		start    int // line the current logical line starts on
		cur      strings.Builder
		have     bool
		inCmt    bool
	)
	flushLine := func() {
		if have {
			if inCmt {
				comments = append(comments, cur.String())
			} else {
				lines = append(lines, logicalLine{cur.String(), start})
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
			return err
		}
		if e == nil {
			return nil
		}
		c := comments
		comments = nil
		return fn(e, c)
	}
	for {
		raw, err := readLine(br, MaxLDIFLine)
		if err != nil && err != io.EOF {
			return fmt.Errorf("ldif line %d: %w", lineNo+1, err)
		}
		if raw == "" && err == io.EOF {
			break
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
				if cur.Len()+len(line)-1 > MaxLDIFLine {
					return fmt.Errorf("ldif line %d: line longer than %d bytes", start, MaxLDIFLine)
				}
				cur.WriteString(line[1:])
			}
		case line[0] == '#':
			flushLine()
			cur.WriteString(line)
			have, inCmt, start = true, true, lineNo
		default:
			flushLine()
			cur.WriteString(line)
			have, start = true, lineNo
		}
		if err == io.EOF {
			break
		}
	}
	return flushRecord()
}

// errLineTooLong reports a physical line over the cap.
var errLineTooLong = errors.New("line longer than " + strconv.Itoa(MaxLDIFLine) + " bytes")

// readLine reads one line (with its newline, if any) of at most max bytes without ever
// holding more than that in memory.
func readLine(br *bufio.Reader, max int) (string, error) {
	frag, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return string(frag), err // the common case: the line fits the buffer
	}
	b := append([]byte(nil), frag...)
	for {
		frag, err = br.ReadSlice('\n')
		if len(b)+len(frag) > max+2 { // the cap plus "\r\n"
			return "", errLineTooLong
		}
		b = append(b, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		return string(b), err
	}
}

func parseRecord(lines []logicalLine) (*directory.Entry, error) {
	var e *directory.Entry
	idx := map[string]int{}
	for _, l := range lines {
		name, val, err := parseLine(l.text)
		if err != nil {
			return nil, fmt.Errorf("ldif line %d: %w", l.no, err)
		}
		if e == nil {
			switch strings.ToLower(name) {
			case "version":
				continue
			case "dn":
				e = &directory.Entry{DN: val}
				continue
			default:
				return nil, fmt.Errorf("ldif line %d: record does not start with a dn: line", l.no)
			}
		}
		if strings.EqualFold(name, "dn") {
			return nil, fmt.Errorf("ldif line %d: a second dn: line in one record (records are separated by a blank line)", l.no)
		}
		if strings.EqualFold(name, "changetype") {
			return nil, fmt.Errorf("ldif line %d: change records are not supported (%s)", l.no, e.DN)
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
		return "", "", errors.New("not an attribute line (want NAME: VALUE)")
	}
	name := l[:i]
	if !validAttrName(name) {
		return "", "", errors.New("not an attribute line (want NAME: VALUE)")
	}
	rest := l[i+1:]
	switch {
	case strings.HasPrefix(rest, ":"):
		enc := strings.TrimSpace(rest[1:])
		if base64.StdEncoding.DecodedLen(len(enc)) > MaxLDIFValue+2 {
			return "", "", fmt.Errorf("attribute %s: value longer than %d bytes", name, MaxLDIFValue)
		}
		b, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return "", "", fmt.Errorf("attribute %s: bad base64: %w", name, err)
		}
		if len(b) > MaxLDIFValue {
			return "", "", fmt.Errorf("attribute %s: value longer than %d bytes", name, MaxLDIFValue)
		}
		return name, string(b), nil
	case strings.HasPrefix(rest, "<"):
		return "", "", fmt.Errorf("attribute %s: URL values are not supported", name)
	default:
		v := strings.TrimLeft(rest, " ")
		if len(v) > MaxLDIFValue {
			return "", "", fmt.Errorf("attribute %s: value longer than %d bytes", name, MaxLDIFValue)
		}
		return name, v, nil
	}
}

// validAttrName accepts an RFC 4512 attribute description: a name or an OID, with
// options (cn;lang-en), at most 256 bytes.
func validAttrName(n string) bool {
	if n == "" || len(n) > 256 {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == ';' || c == '.') {
			return false
		}
	}
	return true
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
