package saslgss

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// Fuzz targets for everything the security layer reads from the network: a wrap token,
// the stream of length-prefixed buffers, the layer offer, and the AP-REP. The keys are
// fixed so that the seeds (valid messages) stay valid for every input the fuzzer derives.

var (
	fuzzSess = types.EncryptionKey{KeyType: 18, KeyValue: bytes.Repeat([]byte{0x5a}, 32)}
	fuzzSub  = types.EncryptionKey{KeyType: 18, KeyValue: bytes.Repeat([]byte{0xa5}, 32)}
	fuzzAuth = types.Authenticator{AVNO: 5, CRealm: "EXAMPLE.TEST", CName: types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, "admin"),
		CTime: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC), Cusec: 123456, SeqNumber: 777}
)

func FuzzUnwrap(f *testing.F) {
	for _, sealed := range []bool{false, true} {
		tok, _ := Wrap(fuzzSub, usageAcceptorSeal, FlagSentByAcceptor|FlagAcceptorSubkey, 3, []byte("\x30\x0c\x02\x01\x01payload"), sealed)
		f.Add(tok)
		f.Add(rotate(tok, 28))
	}
	f.Add([]byte{0x05, 0x04, 0x07, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		tok, err := Unwrap(fuzzSub, usageAcceptorSeal, b, true)
		if err != nil {
			return
		}
		// What verified re-wraps to a token that verifies to the same payload.
		again, err := Wrap(fuzzSub, usageAcceptorSeal, tok.Flags&^FlagSealed, tok.Seq, tok.Payload, tok.Flags&FlagSealed != 0)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Unwrap(fuzzSub, usageAcceptorSeal, again, true)
		if err != nil || !bytes.Equal(back.Payload, tok.Payload) || back.Seq != tok.Seq {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// streamConn is a net.Conn that reads a fixed stream.
type streamConn struct {
	net.Conn
	r io.Reader
}

func (s streamConn) Read(p []byte) (int, error) { return s.r.Read(p) }
func (s streamConn) Close() error               { return nil }

func frame(tok []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(tok))), tok...)
}

func FuzzConnRead(f *testing.F) {
	var stream []byte
	for i, msg := range []string{"first message", "second"} {
		tok, _ := Wrap(fuzzSub, usageAcceptorSeal, FlagSentByAcceptor|FlagAcceptorSubkey, uint64(10+i), []byte(msg), true)
		stream = append(stream, frame(rotate(tok, 28))...)
	}
	f.Add(stream)
	f.Add(stream[:len(stream)-3])
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		sec, err := newSecurity(LayerConfidentiality, 0, fuzzSub, FlagAcceptorSubkey, sequence{recv: 10})
		if err != nil {
			t.Fatal(err)
		}
		c := NewConn(streamConn{r: bytes.NewReader(b)}, sec)
		got, _ := io.ReadAll(c) // to the end of the stream, or the first refused buffer
		if len(got) > len(b) {
			t.Fatalf("read %d octets from a %d-octet stream", len(got), len(b))
		}
		if _, again := c.Read(make([]byte, 1)); again == nil {
			t.Fatal("read after the end or a refused buffer succeeded")
		}
	})
}

func FuzzNegotiate(f *testing.F) {
	for _, offer := range [][]byte{{LayerConfidentiality, 0, 0xff, 0xff}, {0x07, 0xff, 0xff, 0xff}, {LayerNone, 0, 0, 0}} {
		tok, _ := Wrap(fuzzSub, usageAcceptorSeal, FlagSentByAcceptor|FlagAcceptorSubkey, 500, offer, false)
		f.Add(rotate(tok, 28))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := New(nil, "ldap/test", Options{})
		m.sessKey, m.subkey, m.hasSubkey, m.state = fuzzSess, fuzzSub, true, 2
		m.seq = sequence{send: 777, recv: 500}
		out, done, err := m.Step(b)
		if err != nil || len(b) == 0 {
			return
		}
		sec := m.Security()
		if !done || sec == nil || len(out) == 0 {
			t.Fatalf("done=%v security=%v", done, sec)
		}
		tok, _ := Unwrap(fuzzSub, usageAcceptorSeal, b, true)
		if tok.Payload[0]&sec.Layer == 0 {
			t.Fatalf("chose layer %#x, offered %#x", sec.Layer, tok.Payload[0])
		}
	})
}

func FuzzAPRep(f *testing.F) {
	f.Add(apRepToken(f, fuzzSess, messages.EncAPRepPart{CTime: fuzzAuth.CTime, Cusec: fuzzAuth.Cusec, Subkey: fuzzSub, SequenceNumber: 500}))
	f.Add(apRepToken(f, fuzzSess, messages.EncAPRepPart{CTime: fuzzAuth.CTime, Cusec: fuzzAuth.Cusec}))
	f.Add(apRepToken(f, fuzzSess, messages.EncAPRepPart{CTime: fuzzAuth.CTime.Add(time.Second), Cusec: fuzzAuth.Cusec}))
	f.Add([]byte{0x60, 0x03, 0x06, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := sentAPReqWith(t, fuzzSess, fuzzAuth)
		if _, _, err := m.Step(b); err != nil {
			if m.state != 1 {
				t.Fatalf("a refused AP-REP moved the state to %d", m.state)
			}
			return
		}
		if m.state != 2 {
			t.Fatalf("state %d after an accepted AP-REP", m.state)
		}
	})
}
