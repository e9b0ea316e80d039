package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	ber "github.com/go-asn1-ber/asn1-ber"

	"github.com/accessctl/accessctl/pkg/directory"
)

// entryMessage encodes a SearchResultEntry the way a server does, with go-asn1-ber.
func entryMessage(id int64, e *directory.Entry) []byte {
	msg := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	msg.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, ""))
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, 4, nil, "")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, e.DN, ""))
	attrs := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
	for _, a := range e.Attributes {
		pa := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "")
		pa.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a.Name, ""))
		vals := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "")
		for _, v := range a.Values {
			vals.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, v, ""))
		}
		pa.AppendChild(vals)
		attrs.AppendChild(pa)
	}
	op.AppendChild(attrs)
	msg.AppendChild(op)
	return msg.Bytes()
}

func TestEntry(t *testing.T) {
	long := strings.Repeat("x", 70000) // a three-octet length
	tests := []struct {
		name  string
		id    int64
		entry *directory.Entry
	}{
		{"user", 7, directory.NewEntry("uid=alice,cn=users,cn=accounts,dc=example,dc=test",
			directory.A("objectClass", "top", "person", "posixAccount"),
			directory.A("uid", "alice"),
			directory.A("memberOf", "cn=hvac,cn=groups,cn=accounts,dc=example,dc=test", "cn=ipausers,cn=groups,cn=accounts,dc=example,dc=test"),
			directory.A("gidNumber", "70001"))},
		{"no attributes", 1, directory.NewEntry("cn=empty,dc=example,dc=test")},
		{"attribute without values", 300, directory.NewEntry("cn=x,dc=example,dc=test", directory.A("description"))},
		{"empty and binary values", 2, directory.NewEntry("cn=y,dc=example,dc=test",
			directory.A("description", ""), directory.A("ipaSshPubKey", "\x00\x01\xff"))},
		{"long value, large id", 2147483647, directory.NewEntry("cn=big,dc=example,dc=test", directory.A("description", long))},
		{"root DSE", 3, directory.NewEntry("", directory.A("namingContexts", "dc=example,dc=test"))},
	}
	d := NewDecoder("objectClass", "memberOf")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := entryMessage(tt.id, tt.entry)
			h, err := ParseHeader(msg)
			if err != nil {
				t.Fatal(err)
			}
			if h.MsgID != tt.id || h.Op != OpSearchEntry {
				t.Fatalf("header = id %d op %#x, want %d %#x", h.MsgID, h.Op, tt.id, OpSearchEntry)
			}
			got, err := d.Entry(msg, h)
			if err != nil {
				t.Fatal(err)
			}
			want := *tt.entry
			want.Attributes = append([]directory.Attribute{}, tt.entry.Attributes...)
			for i, a := range want.Attributes {
				if a.Values == nil {
					want.Attributes[i].Values = []string{}
				}
			}
			if !reflect.DeepEqual(got, &want) {
				t.Errorf("decoded %+v\nwant %+v", got, &want)
			}
			// the decoded strings must not alias the message buffer, which is reused
			for i := range msg {
				msg[i] = 0
			}
			if !reflect.DeepEqual(got, &want) {
				t.Errorf("entry changed with the buffer: %+v", got)
			}
		})
	}
}

func TestEntrySharesRepeatedValues(t *testing.T) {
	d := NewDecoder("memberOf")
	group := "cn=hvac,cn=groups,cn=accounts,dc=example,dc=test"
	var got []*directory.Entry
	for _, uid := range []string{"a", "b"} {
		msg := entryMessage(1, directory.NewEntry("uid="+uid+",dc=example,dc=test", directory.A("memberOf", group), directory.A("cn", uid+uid)))
		h, _ := ParseHeader(msg)
		e, err := d.Entry(msg, h)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if p, q := got[0].Attributes[0].Values[0], got[1].Attributes[0].Values[0]; p != group || q != group || !sameString(p, q) {
		t.Error("memberOf values are not one shared copy")
	}
	if p, q := got[0].Attributes[1].Name, got[1].Attributes[1].Name; !sameString(p, q) {
		t.Error("attribute names are not shared")
	}
	// appending to one entry's values must not write into its neighbour's
	a := got[0].Attributes[0].Values
	_ = append(a, "extra")
	if got[0].Attributes[1].Values[0] != "aa" {
		t.Errorf("append spilled into the next attribute: %q", got[0].Attributes[1].Values)
	}
}

// sameString reports whether a and b are one copy in memory.
func sameString(a, b string) bool { return a == b && unsafe.StringData(a) == unsafe.StringData(b) }

func TestEntryMalformed(t *testing.T) {
	good := entryMessage(5, directory.NewEntry("cn=x,dc=t", directory.A("cn", "x")))
	tests := []struct {
		name string
		msg  []byte
	}{
		{"empty", nil},
		{"not a sequence", []byte{0x31, 0x00}},
		{"truncated", good[:len(good)-1]},
		{"trailing octets", append(append([]byte{}, good...), 0)},
		{"indefinite length", []byte{0x30, 0x80, 0x02, 0x01, 0x01, 0x64, 0x00, 0x00, 0x00}},
		{"five-octet length", []byte{0x30, 0x85, 0, 0, 0, 0, 1, 0}},
		{"multi-octet tag", []byte{0x30, 0x05, 0x02, 0x01, 0x01, 0x7f, 0x00}},
		{"negative id", []byte{0x30, 0x05, 0x02, 0x01, 0x80, 0x64, 0x00}},
		{"id too long", []byte{0x30, 0x09, 0x02, 0x05, 1, 2, 3, 4, 5, 0x64, 0x00}},
		{"no name", []byte{0x30, 0x05, 0x02, 0x01, 0x01, 0x64, 0x00}},
		{"name not a string", []byte{0x30, 0x09, 0x02, 0x01, 0x01, 0x64, 0x04, 0x02, 0x00, 0x30, 0x00}},
		{"value not a string", []byte{0x30, 0x13, 0x02, 0x01, 0x01, 0x64, 0x0e, 0x04, 0x00, 0x30, 0x0a, 0x30, 0x08, 0x04, 0x02, 'c', 'n', 0x31, 0x02, 0x02, 0x00}},
		{"values not a set", []byte{0x30, 0x11, 0x02, 0x01, 0x01, 0x64, 0x0c, 0x04, 0x00, 0x30, 0x08, 0x30, 0x06, 0x04, 0x02, 'c', 'n', 0x30, 0x00}},
		{"value overruns its set", []byte{0x30, 0x13, 0x02, 0x01, 0x01, 0x64, 0x0e, 0x04, 0x00, 0x30, 0x0a, 0x30, 0x08, 0x04, 0x02, 'c', 'n', 0x31, 0x02, 0x04, 0x05}},
		// the value "x" claims 3 octets: it would swallow the start of the next attribute
		{"value overruns its set into the next attribute", []byte{0x30, 0x1a, 0x02, 0x01, 0x01, 0x64, 0x15, 0x04, 0x00, 0x30, 0x11,
			0x30, 0x08, 0x04, 0x01, 'a', 0x31, 0x03, 0x04, 0x03, 'x',
			0x30, 0x05, 0x04, 0x01, 'b', 0x31, 0x00}},
	}
	d := NewDecoder()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseHeader(tt.msg)
			if err == nil {
				_, err = d.Entry(tt.msg, h)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
	if h, err := ParseHeader(good); err != nil || h.Op != OpSearchEntry {
		t.Fatalf("the good message: %v", err)
	}
}

func TestReadMessage(t *testing.T) {
	small := entryMessage(1, directory.NewEntry("cn=a,dc=t"))
	big := entryMessage(2, directory.NewEntry("cn=b,dc=t", directory.A("description", strings.Repeat("v", 300))))
	stream := append(append(append([]byte{}, small...), big...), small...)
	r := bufio.NewReaderSize(bytes.NewReader(stream), 16)
	var buf []byte
	for i, want := range [][]byte{small, big, small} {
		msg, err := ReadMessage(r, buf, 1<<20)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(msg, want) {
			t.Fatalf("message %d = %x, want %x", i, msg, want)
		}
		buf = msg[:0]
	}
	if _, err := ReadMessage(r, buf, 1<<20); err != io.EOF {
		t.Fatalf("at the end: %v, want EOF", err)
	}
	tests := []struct {
		name string
		in   []byte
		max  int
		want string
	}{
		{"cut in the body", big[:100], 1 << 20, "unexpected EOF"},
		{"cut in the length", big[:2], 1 << 20, "unexpected EOF"},
		{"over the bound", big, 100, "exceeds 100"},
		{"not a message", []byte{0x04, 0x00}, 100, "not a SEQUENCE"},
		{"cut after one octet", big[:1], 1 << 20, "unexpected EOF"},
		{"length of 127 octets", []byte{0x30, 0xff}, 100, "length of 127 octets"},
		{"length near 2^32", []byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xf0}, 100, "exceeds 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadMessage(bufio.NewReader(bytes.NewReader(tt.in)), nil, tt.max)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// berEntry decodes a SearchResultEntry with go-asn1-ber, as go-ldap would.
func berEntry(msg []byte) (*directory.Entry, bool) {
	p, err := ber.DecodePacketErr(msg)
	if err != nil || len(p.Children) < 2 {
		return nil, false
	}
	op := p.Children[1]
	if len(op.Children) != 2 {
		return nil, false
	}
	e := &directory.Entry{DN: string(op.Children[0].ByteValue), Attributes: []directory.Attribute{}}
	for _, a := range op.Children[1].Children {
		if len(a.Children) != 2 {
			return nil, false
		}
		at := directory.Attribute{Name: string(a.Children[0].ByteValue), Values: []string{}}
		for _, v := range a.Children[1].Children {
			at.Values = append(at.Values, string(v.ByteValue))
		}
		e.Attributes = append(e.Attributes, at)
	}
	return e, true
}

// FuzzEntry: no input panics, and every entry go-asn1-ber encodes decodes to itself.
func FuzzEntry(f *testing.F) {
	f.Add(entryMessage(1, directory.NewEntry("cn=a,dc=t", directory.A("objectClass", "top", "x"), directory.A("cn", "a"))))
	f.Add([]byte{0x30, 0x05, 0x02, 0x01, 0x01, 0x64, 0x00})
	f.Add([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff})
	d := NewDecoder("objectClass")
	f.Fuzz(func(t *testing.T, msg []byte) {
		if _, err := ReadMessage(bufio.NewReader(bytes.NewReader(msg)), nil, 1<<20); err != nil {
			return
		}
		h, err := ParseHeader(msg)
		if err != nil || h.Op != OpSearchEntry {
			return
		}
		e, err := d.Entry(msg, h)
		if err != nil {
			return
		}
		// what decoded must encode back to the same octets when its lengths were minimal
		if again := entryMessage(h.MsgID, e); len(again) == len(msg) && !bytes.Equal(again, msg) {
			t.Fatalf("decoded %+v, which encodes to %x, from %x", e, again, msg)
		}
		// and go-asn1-ber, which go-ldap uses, must read the same entry from it
		if want, ok := berEntry(msg); !ok || !reflect.DeepEqual(e, want) {
			t.Fatalf("wire decoded %+v, go-asn1-ber %+v (ok %v), from %x", e, want, ok, msg)
		}
	})
}

// TestDecoderLimits: the decoder counts the entries and octets of one search and refuses
// the first entry beyond either cap; SetLimits starts the count again.
func TestDecoderLimits(t *testing.T) {
	msg := entryMessage(5, directory.NewEntry("cn=e,dc=example,dc=test", directory.A("cn", "e")))
	size := int64(len(msg))
	tests := []struct {
		name                 string
		maxEntries, maxBytes int64
		ok                   int // entries decoded before the refusal
		want                 *LimitError
	}{
		{"no cap", 0, 0, 10, nil},
		{"entries", 3, 0, 3, &LimitError{Entries: true, Limit: 3}},
		{"octets", 0, 2*size + 1, 2, &LimitError{Limit: 2*size + 1}},
		{"octets exactly", 0, 4 * size, 4, &LimitError{Limit: 4 * size}},
		{"both, entries first", 2, 10 * size, 2, &LimitError{Entries: true, Limit: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder()
			for round := range 2 { // the second round checks that SetLimits resets the count
				d.SetLimits(tt.maxEntries, tt.maxBytes)
				var err error
				n := 0
				for ; n < 10; n++ {
					h, herr := ParseHeader(msg)
					if herr != nil {
						t.Fatal(herr)
					}
					if _, err = d.Entry(msg, h); err != nil {
						break
					}
				}
				var le *LimitError
				if n != tt.ok || (tt.want == nil) != (err == nil) || err != nil && (!errors.As(err, &le) || *le != *tt.want) {
					t.Fatalf("round %d: %d entries decoded, err %v; want %d, %v", round, n, err, tt.ok, tt.want)
				}
			}
		})
	}
	if got := (&LimitError{Entries: true, Limit: 2000000}).Error(); got != "the search returned more than 2000000 entries" {
		t.Errorf("message %q", got)
	}
}
