// Package wire frames LDAP messages (RFC 4511) on a byte stream and decodes search
// result entries straight from their BER encoding.
//
// go-ldap decodes every message into a tree of ber.Packet values — about nine heap
// allocations for each attribute value — and at FreeIPA's perf-test scale (90,000 entries,
// millions of values) the garbage collector then takes half of the client's time. This
// package reads only what LDAP uses (definite lengths, one-octet tags) and builds each
// entry from a handful of allocations: one string holds all of the entry's own bytes,
// values that repeat across the directory are shared through an intern table.
package wire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/accessctl/accessctl/pkg/directory"
)

// BER identifiers used below (RFC 4511 section 4).
const (
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagSequence    = 0x30
	tagSet         = 0x31

	// OpSearchRequest and the others are the protocolOp identifiers ([APPLICATION n],
	// constructed).
	OpSearchRequest   = 0x63
	OpSearchEntry     = 0x64
	OpSearchDone      = 0x65
	OpSearchReference = 0x73
)

// ErrMalformed is returned (wrapped) for bytes that are not a well-formed LDAP message.
var ErrMalformed = errors.New("malformed LDAP message")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// element reads the identifier and definite length at b[0:] and returns the identifier,
// the content bounds and the offset just past the element.
func element(b []byte, at int) (tag byte, start, end int, err error) {
	if at >= len(b) {
		return 0, 0, 0, malformed("element at %d past the end (%d)", at, len(b))
	}
	tag = b[at]
	if tag&0x1f == 0x1f {
		return 0, 0, 0, malformed("multi-octet tag %#x", tag)
	}
	n, hl, err := length(b[at+1:])
	if err != nil {
		return 0, 0, 0, err
	}
	start = at + 1 + hl
	end = start + n
	if end > len(b) || end < start {
		return 0, 0, 0, malformed("element of %d octets at %d overruns %d", n, at, len(b))
	}
	return tag, start, end, nil
}

// expect reads the element at b[at:], which must have identifier want.
func expect(b []byte, at int, want byte, what string) (start, end int, err error) {
	tag, start, end, err := element(b, at)
	if err != nil {
		return 0, 0, err
	}
	if tag != want {
		return 0, 0, malformed("%s has identifier %#x, want %#x", what, tag, want)
	}
	return start, end, nil
}

// length decodes a BER definite length; hl is how many octets it took.
func length(b []byte) (n, hl int, err error) {
	if len(b) == 0 {
		return 0, 0, malformed("missing length")
	}
	first := b[0]
	if first < 0x80 {
		return int(first), 1, nil
	}
	k := int(first & 0x7f)
	if k == 0 {
		return 0, 0, malformed("indefinite length")
	}
	if k > 4 || len(b) < 1+k {
		return 0, 0, malformed("length of %d octets", k)
	}
	for _, c := range b[1 : 1+k] {
		n = n<<8 | int(c)
	}
	if n < 0 {
		return 0, 0, malformed("negative length")
	}
	return n, 1 + k, nil
}

// ReadMessage reads one whole LDAPMessage from r into buf, which it grows when needed,
// and returns the message's bytes. max bounds a message's size.
func ReadMessage(r *bufio.Reader, buf []byte, max int) ([]byte, error) {
	head, err := r.Peek(2)
	if err != nil {
		if len(head) > 0 { // a message cut short, not a clean end of the stream
			return nil, unexpectedEOF(err)
		}
		return nil, err
	}
	if head[0] != tagSequence {
		return nil, malformed("message starts with %#x, not a SEQUENCE", head[0])
	}
	hl := 1
	if head[1] >= 0x80 {
		k := int(head[1] & 0x7f)
		if k == 0 || k > 4 {
			return nil, malformed("message length of %d octets", k)
		}
		hl += k
	}
	head, err = r.Peek(1 + hl)
	if err != nil {
		return nil, unexpectedEOF(err)
	}
	n, _, err := length(head[1:])
	if err != nil {
		return nil, err
	}
	if n > max-1-hl { // compared before adding: no overflow where int is 32 bits
		return nil, fmt.Errorf("LDAP message with %d octets of content exceeds %d", n, max)
	}
	total := 1 + hl + n
	if cap(buf) < total {
		buf = make([]byte, total)
	}
	buf = buf[:total]
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, unexpectedEOF(err)
	}
	return buf, nil
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Header is what a message says about itself: its ID and the protocolOp's identifier and
// content bounds within the message.
type Header struct {
	MsgID      int64
	Op         byte
	start, end int
}

// ParseHeader parses an LDAPMessage's envelope.
func ParseHeader(msg []byte) (Header, error) {
	tag, start, end, err := element(msg, 0)
	if err != nil {
		return Header{}, err
	}
	if tag != tagSequence || end != len(msg) {
		return Header{}, malformed("envelope %#x of %d octets in a message of %d", tag, end, len(msg))
	}
	tag, is, ie, err := element(msg, start)
	if err != nil {
		return Header{}, err
	}
	if tag != tagInteger || ie-is < 1 || ie-is > 4 {
		return Header{}, malformed("message id %#x of %d octets", tag, ie-is)
	}
	var id int64
	for _, c := range msg[is:ie] {
		id = id<<8 | int64(c)
	}
	if msg[is]&0x80 != 0 {
		return Header{}, malformed("negative message id")
	}
	op, os, oe, err := element(msg, ie)
	if err != nil {
		return Header{}, err
	}
	if oe > end {
		return Header{}, malformed("protocolOp overruns the message")
	}
	return Header{MsgID: id, Op: op, start: os, end: oe}, nil
}

// Decoder builds directory entries from SearchResultEntry messages. It is not safe for
// concurrent use: the tap calls it from go-ldap's one reader goroutine.
type Decoder struct {
	shared map[string]bool // lower-cased names of attributes whose values are interned
	byName map[string]bool // shared, by the names as the server spells them
	intern map[string]string

	// The cap on one search (SetLimits): what a hostile or broken server may make the
	// client hold. Zero is no cap.
	maxEntries, maxBytes int64
	entries, bytes       int64
}

// LimitError is a search that returned more than its cap (Decoder.SetLimits).
type LimitError struct {
	Entries bool  // the entry cap was exceeded; else the byte cap
	Limit   int64 // the cap exceeded
}

func (e *LimitError) Error() string {
	if e.Entries {
		return fmt.Sprintf("the search returned more than %d entries", e.Limit)
	}
	return fmt.Sprintf("the search returned more than %d octets of entries", e.Limit)
}

// SetLimits caps the entries and the octets of entry messages Entry decodes from now
// on (zero: no cap); the count starts again from zero.
func (d *Decoder) SetLimits(maxEntries, maxBytes int64) {
	d.maxEntries, d.maxBytes = maxEntries, maxBytes
	d.entries, d.bytes = 0, 0
}

// NewDecoder returns a decoder that shares one copy of each value of the given
// attributes (and of every attribute name) among all the entries it decodes.
func NewDecoder(sharedValues ...string) *Decoder {
	d := &Decoder{shared: map[string]bool{}, byName: map[string]bool{}, intern: map[string]string{}}
	for _, a := range sharedValues {
		d.shared[strings.ToLower(a)] = true
	}
	return d
}

func (d *Decoder) isShared(name []byte) bool {
	if v, ok := d.byName[string(name)]; ok {
		return v
	}
	v := d.shared[strings.ToLower(string(name))]
	d.byName[string(name)] = v
	return v
}

func (d *Decoder) interned(b []byte) string {
	if s, ok := d.intern[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	d.intern[s] = s
	return s
}

// Entry decodes the SearchResultEntry of msg, whose header is h.
//
// SearchResultEntry ::= [APPLICATION 4] SEQUENCE { objectName LDAPDN,
// attributes SEQUENCE OF SEQUENCE { type AttributeDescription, vals SET OF value } }
func (d *Decoder) Entry(msg []byte, h Header) (*directory.Entry, error) {
	if h.Op != OpSearchEntry {
		return nil, malformed("protocolOp %#x is not a search result entry", h.Op)
	}
	d.entries++
	d.bytes += int64(len(msg))
	if d.maxEntries > 0 && d.entries > d.maxEntries {
		return nil, &LimitError{Entries: true, Limit: d.maxEntries}
	}
	if d.maxBytes > 0 && d.bytes > d.maxBytes {
		return nil, &LimitError{Limit: d.maxBytes}
	}
	b := msg[:h.end]
	ds, de, err := expect(b, h.start, tagOctetString, "entry name")
	if err != nil {
		return nil, err
	}
	as, ae, err := expect(b, de, tagSequence, "entry attributes")
	if err != nil {
		return nil, err
	}
	if ae != h.end {
		return nil, malformed("entry attributes end at %d, the entry at %d", ae, h.end)
	}

	// First pass: validate, count attributes and values, and how many bytes the
	// entry's own (not shared) strings take, so one allocation of each kind serves it.
	nAttrs, nVals, own := 0, 0, de-ds
	for at := as; at < ae; {
		ps, pe, err := expect(b, at, tagSequence, "attribute")
		if err != nil {
			return nil, err
		}
		ts, te, err := expect(b, ps, tagOctetString, "attribute type")
		if err != nil {
			return nil, err
		}
		vs, ve, err := expect(b, te, tagSet, "attribute values")
		if err != nil {
			return nil, err
		}
		if ve != pe {
			return nil, malformed("attribute %q has more than a type and values", b[ts:te])
		}
		shared := d.isShared(b[ts:te])
		for v := vs; v < ve; {
			s, e, err := expect(b, v, tagOctetString, "value")
			if err != nil {
				return nil, err
			}
			if e > ve {
				return nil, malformed("a value of %q overruns its set", b[ts:te])
			}
			nVals++
			if !shared {
				own += e - s
			}
			v = e
		}
		nAttrs++
		at = pe
	}

	// Second pass: copy the entry's own strings into one arena; the third carves them
	// out again in the same order.
	var arena strings.Builder
	arena.Grow(own)
	arena.Write(b[ds:de])
	for name, vals := range attributes(b, as, ae) {
		if !d.isShared(b[name.from:name.to]) {
			for v := range values(b, vals) {
				arena.Write(b[v.from:v.to])
			}
		}
	}
	str := arena.String()

	e := &directory.Entry{DN: str[:de-ds], Attributes: make([]directory.Attribute, 0, nAttrs)}
	all := make([]string, nVals)
	vi, off := 0, de-ds
	for name, vals := range attributes(b, as, ae) {
		shared := d.isShared(b[name.from:name.to])
		first := vi
		for v := range values(b, vals) {
			if shared {
				all[vi] = d.interned(b[v.from:v.to])
			} else {
				all[vi] = str[off : off+v.to-v.from]
				off += v.to - v.from
			}
			vi++
		}
		e.Attributes = append(e.Attributes, directory.Attribute{Name: d.interned(b[name.from:name.to]), Values: all[first:vi:vi]})
	}
	return e, nil
}

// span is the content of one element.
type span struct{ from, to int }

// attributes yields the type and the values' bounds of each attribute of a list the
// first pass of Entry has validated.
func attributes(b []byte, from, to int) iter.Seq2[span, span] {
	return func(yield func(span, span) bool) {
		for at := from; at < to; {
			_, ps, pe, _ := element(b, at)
			_, ts, te, _ := element(b, ps)
			_, vs, ve, _ := element(b, te)
			if !yield(span{ts, te}, span{vs, ve}) {
				return
			}
			at = pe
		}
	}
}

// values yields the bounds of each value in a validated SET OF value.
func values(b []byte, set span) iter.Seq[span] {
	return func(yield func(span) bool) {
		for at := set.from; at < set.to; {
			_, s, e, _ := element(b, at)
			if !yield(span{s, e}) {
				return
			}
			at = e
		}
	}
}
