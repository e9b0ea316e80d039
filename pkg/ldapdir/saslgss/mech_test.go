package saslgss

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/asnAppTag"
	"github.com/jcmturner/gokrb5/v8/iana/chksumtype"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/msgtype"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"
)

// sentAPReq returns a mechanism that has sent its AP-REQ (built around a fixed
// authenticator, without a KDC), the session key, and the authenticator.
func sentAPReq(t testing.TB, sess types.EncryptionKey) (*Mechanism, []byte, types.Authenticator) {
	t.Helper()
	auth, err := types.NewAuthenticator("EXAMPLE.TEST", types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, "admin"))
	if err != nil {
		t.Fatal(err)
	}
	m, tok := sentAPReqWith(t, sess, auth)
	return m, tok, auth
}

// sentAPReqWith is sentAPReq around the given authenticator.
func sentAPReqWith(t testing.TB, sess types.EncryptionKey, auth types.Authenticator) (*Mechanism, []byte) {
	t.Helper()
	tkt := messages.Ticket{TktVNO: 5, Realm: "EXAMPLE.TEST",
		SName:   types.NewPrincipalName(nametype.KRB_NT_SRV_INST, "ldap/ipa1.example.test"),
		EncPart: types.EncryptedData{EType: sess.KeyType, KVNO: 1, Cipher: []byte("opaque ticket")}}
	m := New(nil, "ldap/ipa1.example.test", Options{})
	tok, err := m.apReq(tkt, sess, auth)
	if err != nil {
		t.Fatal(err)
	}
	m.state = 1
	return m, tok
}

// apRepToken builds the acceptor's answer as MIT sends it: a GSS-API token (TOK_ID 02 00)
// around an AP-REP whose EncAPRepPart is encrypted in the session key.
func apRepToken(t testing.TB, sess types.EncryptionKey, part messages.EncAPRepPart) []byte {
	t.Helper()
	pb, err := asn1.Marshal(part)
	if err != nil {
		t.Fatal(err)
	}
	pb = asn1tools.AddASNAppTag(pb, asnAppTag.EncAPRepPart)
	enc, err := crypto.GetEncryptedData(pb, sess, keyusage.AP_REP_ENCPART, 0)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := asn1.Marshal(messages.APRep{PVNO: 5, MsgType: msgtype.KRB_AP_REP, EncPart: enc})
	if err != nil {
		t.Fatal(err)
	}
	rb = asn1tools.AddASNAppTag(rb, asnAppTag.APREP)
	oid, _ := asn1.Marshal(gssapi.OIDKRB5.OID())
	return asn1tools.AddASNAppTag(append(append(oid, 0x02, 0x00), rb...), 0)
}

// TestAPReq: the AP-REQ asks for mutual authentication, both layers and sequence and
// replay detection, and our first wrap token carries the authenticator's seq-number.
func TestAPReq(t *testing.T) {
	sess := key(t, 18, 32)
	m, tok, auth := sentAPReq(t, sess)
	var kt spnego.KRB5Token
	if err := kt.Unmarshal(tok); err != nil {
		t.Fatal(err)
	}
	if !kt.IsAPReq() {
		t.Fatal("not an AP-REQ token")
	}
	if !types.IsFlagSet(&kt.APReq.APOptions, flags.APOptionMutualRequired) {
		t.Error("mutual authentication not required")
	}
	if err := kt.APReq.DecryptAuthenticator(sess); err != nil {
		t.Fatal(err)
	}
	got := kt.APReq.Authenticator
	if got.Cksum.CksumType != chksumtype.GSSAPI || len(got.Cksum.Checksum) != 24 {
		t.Fatalf("checksum %+v", got.Cksum)
	}
	fl := binary.LittleEndian.Uint32(got.Cksum.Checksum[20:24])
	for _, f := range []int{gssapi.ContextFlagMutual, gssapi.ContextFlagReplay, gssapi.ContextFlagSequence, gssapi.ContextFlagConf, gssapi.ContextFlagInteg} {
		if fl&uint32(f) == 0 {
			t.Errorf("context flag %#x not requested (flags %#x)", f, fl)
		}
	}
	if got.SeqNumber != auth.SeqNumber || m.seq.send != uint64(auth.SeqNumber) {
		t.Errorf("authenticator seq %d, ours %d, first token %d", got.SeqNumber, auth.SeqNumber, m.seq.send)
	}
	if got.CTime.Unix() != auth.CTime.Unix() || got.Cusec != auth.Cusec {
		t.Errorf("authenticator time %v.%d, sent %v.%d", got.CTime, got.Cusec, auth.CTime, auth.Cusec)
	}
}

func TestAPRep(t *testing.T) {
	sess := key(t, 18, 32)
	sub := key(t, 18, 32)
	tests := []struct {
		name    string
		part    func(a types.Authenticator) messages.EncAPRepPart
		key     types.EncryptionKey
		wantErr string
	}{
		{"echoes the authenticator", func(a types.Authenticator) messages.EncAPRepPart {
			return messages.EncAPRepPart{CTime: a.CTime, Cusec: a.Cusec, Subkey: sub, SequenceNumber: 123456}
		}, sess, ""},
		{"another time", func(a types.Authenticator) messages.EncAPRepPart {
			return messages.EncAPRepPart{CTime: a.CTime.Add(-time.Minute), Cusec: a.Cusec, Subkey: sub}
		}, sess, "answers another authenticator"},
		{"another microsecond", func(a types.Authenticator) messages.EncAPRepPart {
			return messages.EncAPRepPart{CTime: a.CTime, Cusec: (a.Cusec + 1) % 1000000, Subkey: sub}
		}, sess, "answers another authenticator"},
		{"another key", func(a types.Authenticator) messages.EncAPRepPart {
			return messages.EncAPRepPart{CTime: a.CTime, Cusec: a.Cusec}
		}, key(t, 18, 32), "decrypt AP-REP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, auth := sentAPReq(t, sess)
			out, done, err := m.Step(apRepToken(t, tt.key, tt.part(auth)))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || done || len(out) != 0 {
				t.Fatalf("out=%x done=%v err=%v", out, done, err)
			}
			if !m.hasSubkey || m.seq.recv != 123456 {
				t.Fatalf("subkey %v, acceptor's first seq %d", m.hasSubkey, m.seq.recv)
			}
		})
	}
}

// TestLayerOfferSequence: the layer offer is the acceptor's first wrap token and must carry
// the AP-REP's sequence number; our answer carries the authenticator's.
func TestLayerOfferSequence(t *testing.T) {
	for _, tt := range []struct {
		name    string
		offered uint64
		wantErr string
	}{
		{"as announced", 1000, ""},
		{"replayed from an earlier context", 999, "replayed or reordered"},
		{"skipped ahead", 1002, "missing"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sess, sub := key(t, 18, 32), key(t, 18, 32)
			m, _, auth := sentAPReq(t, sess)
			if _, _, err := m.Step(apRepToken(t, sess, messages.EncAPRepPart{CTime: auth.CTime, Cusec: auth.Cusec, Subkey: sub, SequenceNumber: 1000})); err != nil {
				t.Fatal(err)
			}
			offer, _ := Wrap(sub, usageAcceptorSeal, FlagSentByAcceptor|FlagAcceptorSubkey, tt.offered, []byte{LayerConfidentiality, 0, 0xff, 0xff}, false)
			out, _, err := m.Step(offer)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp, err := Unwrap(sub, usageInitiatorSeal, out, false)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Seq != uint64(auth.SeqNumber) {
				t.Fatalf("answer seq %d, authenticator's %d", resp.Seq, auth.SeqNumber)
			}
			sec := m.Security()
			if next, _ := Unwrap(sub, usageInitiatorSeal, must(sec.Wrap([]byte("x"))), false); next.Seq != resp.Seq+1 {
				t.Fatalf("next seq %d", next.Seq)
			}
			if _, err := sec.Unwrap(must(Wrap(sub, usageAcceptorSeal, FlagSentByAcceptor|FlagAcceptorSubkey, 1001, []byte("y"), true))); err != nil {
				t.Fatalf("acceptor's second token: %v", err)
			}
		})
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestUnwrapSequence: the layer accepts the acceptor's tokens only in order, each once.
func TestUnwrapSequence(t *testing.T) {
	k := key(t, 18, 32)
	tok := func(seq uint64) []byte {
		return must(Wrap(k, usageAcceptorSeal, FlagSentByAcceptor|FlagAcceptorSubkey, seq, []byte("msg"), true))
	}
	tests := []struct {
		name    string
		seqs    []uint64
		wantErr string // for the last token; the ones before it are accepted
	}{
		{"in order", []uint64{7, 8, 9}, ""},
		{"replayed", []uint64{7, 8, 8}, "sequence number 8 where 9 was due: a replayed or reordered message"},
		{"reordered", []uint64{7, 9}, "sequence number 9 where 8 was due: 1 message(s) missing or reordered"},
		{"older", []uint64{7, 8, 6}, "a replayed or reordered message"},
		{"first missing", []uint64{8}, "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sec, err := newSecurity(LayerConfidentiality, 0, k, FlagAcceptorSubkey, sequence{recv: 7})
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tt.seqs {
				_, err := sec.Unwrap(tok(s))
				if i < len(tt.seqs)-1 || tt.wantErr == "" {
					if err != nil {
						t.Fatalf("token %d (seq %d): %v", i, s, err)
					}
					continue
				}
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			}
		})
	}
}
