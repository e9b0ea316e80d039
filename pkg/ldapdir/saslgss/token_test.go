package saslgss

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	ldapgssapi "github.com/go-ldap/ldap/v3/gssapi"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/types"
)

func key(t *testing.T, etype int32, size int) types.EncryptionKey {
	t.Helper()
	k := make([]byte, size)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return types.EncryptionKey{KeyType: etype, KeyValue: k}
}

var etypes = []struct {
	name string
	id   int32
	size int
}{
	{"aes128-cts-hmac-sha1-96", 17, 16},
	{"aes256-cts-hmac-sha1-96", 18, 32},
	{"aes128-cts-hmac-sha256-128", 19, 16},
	{"aes256-cts-hmac-sha384-192", 20, 32},
}

// rotate sets RRC in token b and rotates its data right, as an MIT sender may.
func rotate(b []byte, rrc int) []byte {
	out := append([]byte(nil), b[:hdrLen]...)
	binary.BigEndian.PutUint16(out[6:8], uint16(rrc))
	return append(out, rotateRight(b[hdrLen:], rrc)...)
}

func TestWrapUnwrap(t *testing.T) {
	for _, et := range etypes {
		for _, sealed := range []bool{false, true} {
			for _, rrc := range []int{0, 12, 16, 28, 1000} {
				name := et.name
				if sealed {
					name += "/sealed"
				}
				t.Run(name+"/rrc"+strconv.Itoa(rrc), func(t *testing.T) {
					k := key(t, et.id, et.size)
					payload := []byte("LDAP message \x30\x0c\x02\x01\x01")
					tok, err := Wrap(k, usageAcceptorSeal, FlagSentByAcceptor|FlagAcceptorSubkey, 7, payload, sealed)
					if err != nil {
						t.Fatal(err)
					}
					got, err := Unwrap(k, usageAcceptorSeal, rotate(tok, rrc), true)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got.Payload, payload) || got.Seq != 7 || (got.Flags&FlagSealed != 0) != sealed {
						t.Fatalf("got %+v", got)
					}
				})
			}
		}
	}
}

// TestMITLayerOffer is the wrap-token fix: the layer offer as an MIT acceptor sends it
// (payload then checksum, any RRC) is read correctly, where go-ldap's own parser, which
// expects the checksum first, reports a checksum mismatch.
func TestMITLayerOffer(t *testing.T) {
	k := key(t, 18, 32)
	offer := []byte{LayerNone | LayerIntegrity | LayerConfidentiality, 0x00, 0xff, 0xff}
	tok, err := Wrap(k, usageAcceptorSeal, FlagSentByAcceptor|FlagAcceptorSubkey, 0, offer, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, rrc := range []int{0, 28} {
		wire := rotate(tok, rrc)
		var wt gssapi.WrapToken
		if err := ldapgssapi.UnmarshalWrapToken(&wt, wire, true); err == nil {
			if ok, _ := wt.Verify(k, usageAcceptorSeal); ok {
				t.Logf("rrc %d: go-ldap parses it too", rrc)
			}
		}
		got, err := Unwrap(k, usageAcceptorSeal, wire, true)
		if err != nil {
			t.Fatalf("rrc %d: %v", rrc, err)
		}
		if !bytes.Equal(got.Payload, offer) {
			t.Fatalf("rrc %d: payload %x", rrc, got.Payload)
		}
	}
	// Unrotated, go-ldap's parser takes the checksum from the front and fails.
	var wt gssapi.WrapToken
	if err := ldapgssapi.UnmarshalWrapToken(&wt, tok, true); err == nil {
		if ok, _ := wt.Verify(k, usageAcceptorSeal); ok {
			t.Fatal("go-ldap verified an MIT-ordered token; the fix may no longer be needed")
		}
	}
}

func TestUnwrapRejects(t *testing.T) {
	k := key(t, 18, 32)
	good, _ := Wrap(k, usageAcceptorSeal, FlagSentByAcceptor, 1, []byte("data"), false)
	sealed, _ := Wrap(k, usageAcceptorSeal, FlagSentByAcceptor, 1, []byte("data"), true)
	fromInit, _ := Wrap(k, usageInitiatorSeal, 0, 1, []byte("data"), false)
	flip := func(b []byte, i int) []byte { c := append([]byte(nil), b...); c[i] ^= 1; return c }
	tests := []struct {
		name string
		tok  []byte
		want string
	}{
		{"short", good[:10], "shorter"},
		{"bad id", flip(good, 0), "token id"},
		{"bad filler", flip(good, 3), "filler"},
		{"from initiator", fromInit, "not sent by the acceptor"},
		{"tampered payload", flip(good, hdrLen), "checksum mismatch"},
		{"tampered checksum", flip(good, len(good)-1), "checksum mismatch"},
		{"tampered sealed", flip(sealed, len(sealed)-20), "decrypt"},
		{"tampered sealed header", flip(sealed, 9), "encrypted header"},
		{"sealed, too short to hold a checksum", sealed[:hdrLen+5], "sealed data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Unwrap(k, usageAcceptorSeal, tt.tok, true)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// established returns a mechanism past the AP-REP, as after a real exchange.
func established(t *testing.T, prefer []byte) (*Mechanism, types.EncryptionKey) {
	sub := key(t, 18, 32)
	m := New(nil, "ldap/test", Options{Prefer: prefer, AuthzID: ""})
	m.sessKey = key(t, 18, 32)
	m.subkey, m.hasSubkey = sub, true
	m.state = 2
	return m, sub
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name      string
		offer     byte
		prefer    []byte
		want      byte
		wantErr   string
		serverMax uint32
	}{
		{"389-ds minssf 56 offers confidentiality only", LayerConfidentiality, nil, LayerConfidentiality, "", 0xffff},
		{"all offered, confidentiality preferred", 0x07, nil, LayerConfidentiality, "", 0x10000},
		{"integrity", LayerIntegrity | LayerNone, nil, LayerIntegrity, "", 0x10000},
		{"none only", LayerNone, nil, LayerNone, "", 0},
		{"none preferred over TLS", 0x07, []byte{LayerNone, LayerConfidentiality}, LayerNone, "", 0x10000},
		{"nothing acceptable", LayerNone, []byte{LayerConfidentiality}, 0, "none acceptable", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, sub := established(t, tt.prefer)
			payload := make([]byte, 4)
			binary.BigEndian.PutUint32(payload, tt.serverMax)
			payload[0] = tt.offer
			offer, err := Wrap(sub, usageAcceptorSeal, FlagSentByAcceptor|FlagAcceptorSubkey, 0, payload, false)
			if err != nil {
				t.Fatal(err)
			}
			out, done, err := m.Step(rotate(offer, 28))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !done {
				t.Fatalf("done=%v err=%v", done, err)
			}
			// The server's view of the answer: an initiator token, integrity only.
			resp, err := Unwrap(sub, usageInitiatorSeal, out, false)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Flags&FlagSealed != 0 || resp.Flags&FlagAcceptorSubkey == 0 {
				t.Errorf("flags %#x", resp.Flags)
			}
			if resp.Payload[0] != tt.want {
				t.Errorf("layer %#x, want %#x", resp.Payload[0], tt.want)
			}
			max := binary.BigEndian.Uint32(resp.Payload) & 0xffffff
			if tt.want == LayerNone && max != 0 || tt.want != LayerNone && max != DefaultMaxBuffer {
				t.Errorf("max buffer %#x", max)
			}
			sec := m.Security()
			if sec.Layer != tt.want || sec.ServerMax != tt.serverMax&0xffffff {
				t.Errorf("security %+v", sec)
			}
		})
	}
}

// fakeServer plays the acceptor side of a security layer on c: it echoes every message it
// receives back as one acceptor token, sealed when sealed is set.
func fakeServer(t *testing.T, c net.Conn, k types.EncryptionKey, sealed bool, maxIn int) {
	go func() {
		defer c.Close()
		seq := uint64(0)
		var want uint64
		for n := 0; ; n++ {
			var lb [4]byte
			if _, err := io.ReadFull(c, lb[:]); err != nil {
				return
			}
			n := binary.BigEndian.Uint32(lb[:])
			if maxIn > 0 && int(n) > maxIn {
				t.Errorf("client sent a %d-octet buffer, server max %d", n, maxIn)
				return
			}
			tok := make([]byte, n)
			if _, err := io.ReadFull(c, tok); err != nil {
				return
			}
			got, err := Unwrap(k, usageInitiatorSeal, tok, false)
			if err != nil {
				t.Errorf("server unwrap: %v", err)
				return
			}
			if n > 0 && got.Seq != want {
				t.Errorf("client token %d has sequence number %d, want %d", n, got.Seq, want)
			}
			want = got.Seq + 1
			if (got.Flags&FlagSealed != 0) != sealed {
				t.Errorf("sealed = %v", got.Flags&FlagSealed != 0)
			}
			reply, _ := Wrap(k, usageAcceptorSeal, FlagSentByAcceptor|FlagAcceptorSubkey, seq, got.Payload, sealed)
			seq++
			reply = rotate(reply, 28)
			binary.BigEndian.PutUint32(lb[:], uint32(len(reply)))
			c.Write(append(lb[:], reply...))
		}
	}()
}

func TestConn(t *testing.T) {
	for _, layer := range []byte{LayerConfidentiality, LayerIntegrity} {
		t.Run(map[byte]string{LayerConfidentiality: "confidentiality", LayerIntegrity: "integrity"}[layer], func(t *testing.T) {
			k := key(t, 20, 32)
			cli, srv := net.Pipe()
			const serverMax = 1000
			fakeServer(t, srv, k, layer == LayerConfidentiality, serverMax)
			sec, err := newSecurity(layer, serverMax, k, FlagAcceptorSubkey, sequence{})
			if err != nil {
				t.Fatal(err)
			}
			c := NewConn(cli, sec)
			defer c.Close()
			msg := bytes.Repeat([]byte("0123456789"), 500) // 5000 octets: several buffers
			go func() {
				if _, err := c.Write(msg); err != nil {
					t.Error(err)
				}
			}()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			got := make([]byte, len(msg))
			if _, err := io.ReadFull(c, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, msg) {
				t.Fatal("echo differs")
			}
		})
	}
	if c := NewConn(nil, &Security{Layer: LayerNone}); c != nil {
		t.Fatal("layer none must return the raw conn")
	}
}
