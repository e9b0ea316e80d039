package saslgss

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
	"github.com/jcmturner/gokrb5/v8/types"
)

// searchEntry encodes a SearchResultEntry for message id.
func searchEntry(id int64, dn string) []byte {
	env := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
	env.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
	op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationSearchResultEntry, nil, "Search Result Entry")
	op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, dn, "DN"))
	op.AppendChild(ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Attributes"))
	env.AppendChild(op)
	return env.Bytes()
}

// hostileServer answers the first request on c with sealed acceptor tokens numbered
// seqs (each carrying a search entry for the request), as an attacker on the path would
// replay or reorder them.
func hostileServer(t *testing.T, c net.Conn, k types.EncryptionKey, seqs []uint64) {
	go func() {
		defer c.Close()
		var lb [4]byte
		if _, err := io.ReadFull(c, lb[:]); err != nil {
			return
		}
		tok := make([]byte, binary.BigEndian.Uint32(lb[:]))
		if _, err := io.ReadFull(c, tok); err != nil {
			return
		}
		req, err := Unwrap(k, usageInitiatorSeal, tok, false)
		if err != nil {
			t.Errorf("server unwrap: %v", err)
			return
		}
		p, err := ber.DecodePacketErr(req.Payload)
		if err != nil || len(p.Children) < 1 {
			t.Errorf("server: bad request: %v", err)
			return
		}
		id, _ := p.Children[0].Value.(int64)
		for _, s := range seqs {
			reply, _ := Wrap(k, usageAcceptorSeal, FlagSentByAcceptor|FlagAcceptorSubkey, s, searchEntry(id, "uid=x"), true)
			binary.BigEndian.PutUint32(lb[:], uint32(len(reply)))
			if _, err := c.Write(append(lb[:], reply...)); err != nil {
				return
			}
		}
		io.Copy(io.Discard, c) // until the client gives up
	}()
}

// TestReplayEndsConnection: a replayed or reordered sealed message ends the LDAP
// connection with an error that says what happened; nothing more is read from it.
func TestReplayEndsConnection(t *testing.T) {
	tests := []struct {
		name string
		seqs []uint64
		want string
	}{
		{"replayed", []uint64{40, 40}, "sasl: wrap token: sequence number 40 where 41 was due: a replayed or reordered message"},
		{"reordered", []uint64{41, 40}, "sasl: wrap token: sequence number 41 where 40 was due: 1 message(s) missing or reordered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := key(t, 18, 32)
			cli, srv := net.Pipe()
			hostileServer(t, srv, k, tt.seqs)
			sec, err := newSecurity(LayerConfidentiality, 0, k, FlagAcceptorSubkey, sequence{send: 9, recv: 40})
			if err != nil {
				t.Fatal(err)
			}
			conn := ldap.NewConn(NewConn(cli, sec), false)
			conn.Start()
			defer conn.Close()
			conn.SetTimeout(5 * time.Second)
			_, err = conn.Search(ldap.NewSearchRequest("dc=example,dc=test", ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, "(uid=*)", nil, nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("search: err = %v, want %q", err, tt.want)
			}
			deadline := time.Now().Add(5 * time.Second)
			for !conn.IsClosing() && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if !conn.IsClosing() {
				t.Fatal("connection still open")
			}
			if _, err := conn.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", nil, nil)); err == nil {
				t.Fatal("a later search succeeded")
			}
		})
	}
}
