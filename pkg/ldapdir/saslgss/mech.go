package saslgss

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/crypto/etype"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/chksumtype"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"
)

// SASL GSSAPI security layers (RFC 4752 section 3.3).
const (
	LayerNone            byte = 0x01
	LayerIntegrity       byte = 0x02
	LayerConfidentiality byte = 0x04
)

// DefaultMaxBuffer is the receive buffer the client announces (the largest RFC 4752 allows).
const DefaultMaxBuffer = 0xFFFFFF

// Options tune the negotiation.
type Options struct {
	// Prefer is the order in which layers are chosen among those the server offers.
	// Empty means confidentiality, then integrity, then none.
	Prefer []byte
	// MaxBuffer is the receive buffer announced to the server (default DefaultMaxBuffer).
	MaxBuffer uint32
	// AuthzID is the optional authorization identity.
	AuthzID string
}

// Mechanism runs one GSSAPI SASL negotiation. Use Start, then Step with every server
// challenge until it reports done; Security then gives the negotiated layer.
type Mechanism struct {
	cl   *client.Client
	spn  string
	opts Options

	sessKey   types.EncryptionKey
	subkey    types.EncryptionKey
	hasSubkey bool
	state     int // 0 new, 1 AP-REQ sent, 2 context established, 3 done
	sec       *Security

	// sentCTime and sentCusec are what the AP-REP must echo (RFC 4120 section 3.2.5).
	sentCTime time.Time
	sentCusec int
	// seq numbers the wrap tokens (RFC 4121 section 4.2.6): ours start at the
	// authenticator's seq-number, the acceptor's at the AP-REP's.
	seq sequence
}

// contextFlags are the GSS-API flags the AP-REQ asks for: mutual authentication, both
// security layers, and sequence and replay detection, so that the acceptor checks the
// order of our wrap tokens as we check the order of its own.
var contextFlags = []int{gssapi.ContextFlagInteg, gssapi.ContextFlagConf, gssapi.ContextFlagMutual,
	gssapi.ContextFlagReplay, gssapi.ContextFlagSequence}

// New prepares a negotiation with service principal spn (e.g. "ldap/ipa1.example.test").
func New(cl *client.Client, spn string, opts Options) *Mechanism {
	if len(opts.Prefer) == 0 {
		opts.Prefer = []byte{LayerConfidentiality, LayerIntegrity, LayerNone}
	}
	if opts.MaxBuffer == 0 || opts.MaxBuffer > DefaultMaxBuffer {
		opts.MaxBuffer = DefaultMaxBuffer
	}
	return &Mechanism{cl: cl, spn: spn, opts: opts}
}

// Start returns the initial token: a GSS-API initial context token carrying a Kerberos
// AP-REQ with mutual authentication, integrity, confidentiality, sequence and replay
// detection requested.
func (m *Mechanism) Start() ([]byte, error) {
	tkt, key, err := m.cl.GetServiceTicket(m.spn)
	if err != nil {
		return nil, fmt.Errorf("get service ticket for %s: %w", m.spn, err)
	}
	auth, err := types.NewAuthenticator(m.cl.Credentials.Domain(), m.cl.Credentials.CName())
	if err != nil {
		return nil, fmt.Errorf("build authenticator: %w", err)
	}
	b, err := m.apReq(tkt, key, auth)
	if err != nil {
		return nil, err
	}
	m.state = 1
	return b, nil
}

// apReq builds the initial context token around auth and remembers what of auth the
// rest of the exchange checks. gokrb5's spnego.NewKRB5TokenAPREQ keeps its
// authenticator to itself, so the token is framed here (RFC 2743 section 3.1, RFC 4121
// section 4.1): [APPLICATION 0] { mech OID, TOK_ID 01 00, AP-REQ }.
func (m *Mechanism) apReq(tkt messages.Ticket, key types.EncryptionKey, auth types.Authenticator) ([]byte, error) {
	auth.Cksum = types.Checksum{CksumType: chksumtype.GSSAPI, Checksum: gssChecksum(contextFlags)}
	req, err := messages.NewAPReq(tkt, key, auth)
	if err != nil {
		return nil, fmt.Errorf("build AP-REQ: %w", err)
	}
	types.SetFlag(&req.APOptions, flags.APOptionMutualRequired)
	body, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("marshal AP-REQ: %w", err)
	}
	oid, err := asn1.Marshal(gssapi.OIDKRB5.OID())
	if err != nil {
		return nil, fmt.Errorf("marshal mechanism OID: %w", err)
	}
	tok := append(append(oid, 0x01, 0x00), body...)
	m.sessKey = key
	m.sentCTime, m.sentCusec = auth.CTime, auth.Cusec
	m.seq = sequence{send: uint64(uint32(auth.SeqNumber))}
	return asn1tools.AddASNAppTag(tok, 0), nil
}

// gssChecksum is the authenticator checksum of RFC 4121 section 4.1.1: the length of the
// (absent) channel bindings, their MD5 (zero), and the context flags.
func gssChecksum(fl []int) []byte {
	b := make([]byte, 24)
	binary.LittleEndian.PutUint32(b[0:4], 16)
	var f uint32
	for _, x := range fl {
		f |= uint32(x)
	}
	binary.LittleEndian.PutUint32(b[20:24], f)
	return b
}

// Step consumes a server challenge and returns the response to send. done is true once
// the client has sent its final (layer choice) message; the server's success ends the
// exchange then.
func (m *Mechanism) Step(in []byte) (out []byte, done bool, err error) {
	switch m.state {
	case 1:
		if len(in) == 0 {
			return nil, false, errors.New("gssapi: server sent no AP-REP (mutual authentication)")
		}
		if err := m.acceptAPRep(in); err != nil {
			return nil, false, err
		}
		m.state = 2
		return []byte{}, false, nil
	case 2:
		if len(in) == 0 {
			// Some servers send an empty challenge before the layer offer.
			return []byte{}, false, nil
		}
		out, err := m.negotiate(in)
		if err != nil {
			return nil, false, err
		}
		m.state = 3
		return out, true, nil
	default:
		return nil, false, fmt.Errorf("gssapi: unexpected challenge in state %d", m.state)
	}
}

func (m *Mechanism) acceptAPRep(in []byte) error {
	var tok spnego.KRB5Token
	if err := tok.Unmarshal(in); err != nil {
		return fmt.Errorf("gssapi: parse server token: %w", err)
	}
	if tok.IsKRBError() {
		return fmt.Errorf("gssapi: server refused the AP-REQ: %w", tok.KRBError)
	}
	if !tok.IsAPRep() {
		return errors.New("gssapi: server token is not an AP-REP")
	}
	return m.setAPRep(tok.APRep)
}

func (m *Mechanism) setAPRep(rep messages.APRep) error {
	plain, err := crypto.DecryptEncPart(rep.EncPart, m.sessKey, keyusage.AP_REP_ENCPART)
	if err != nil {
		return fmt.Errorf("gssapi: decrypt AP-REP: %w", err)
	}
	var part messages.EncAPRepPart
	if err := part.Unmarshal(plain); err != nil {
		return fmt.Errorf("gssapi: parse AP-REP: %w", err)
	}
	// RFC 4120 section 3.2.5: the reply must echo the time of the authenticator we
	// sent; anything else is a reply to another request (a replay).
	if part.CTime.Unix() != m.sentCTime.Unix() || part.Cusec != m.sentCusec {
		return fmt.Errorf("gssapi: the AP-REP answers another authenticator (time %s.%06d, ours %s.%06d): refused as a replay",
			part.CTime.UTC().Format(time.RFC3339), part.Cusec, m.sentCTime.UTC().Format(time.RFC3339), m.sentCusec)
	}
	// The acceptor's first wrap token carries the AP-REP's sequence number (MIT keeps
	// it below 2^30; a negative value is a signed 32-bit encoding of the same number;
	// an absent one reads as 0, as MIT's initiator takes it).
	m.seq.recv = uint64(uint32(part.SequenceNumber))
	if len(part.Subkey.KeyValue) > 0 {
		m.subkey = part.Subkey
		m.hasSubkey = true
	}
	return nil
}

// key returns the key for a token with the given flags.
func (m *Mechanism) key(flags byte) types.EncryptionKey {
	if flags&FlagAcceptorSubkey != 0 && m.hasSubkey {
		return m.subkey
	}
	return m.sessKey
}

func (m *Mechanism) negotiate(in []byte) ([]byte, error) {
	if len(in) < hdrLen {
		return nil, errors.New("gssapi: security layer offer too short")
	}
	tok, err := Unwrap(m.key(in[2]), usageAcceptorSeal, in, true)
	if err != nil {
		return nil, fmt.Errorf("gssapi: security layer offer: %w", err)
	}
	if err := m.seq.received(tok.Seq); err != nil {
		return nil, fmt.Errorf("gssapi: security layer offer: %w", err)
	}
	if len(tok.Payload) != 4 {
		return nil, fmt.Errorf("gssapi: security layer offer has %d octets, want 4", len(tok.Payload))
	}
	offered := tok.Payload[0]
	serverMax := binary.BigEndian.Uint32(tok.Payload) & 0xFFFFFF
	var layer byte
	for _, l := range m.opts.Prefer {
		if offered&l != 0 {
			layer = l
			break
		}
	}
	if layer == 0 {
		return nil, fmt.Errorf("gssapi: server offers security layers %#02x, none acceptable", offered)
	}
	resp := make([]byte, 4, 4+len(m.opts.AuthzID))
	if layer != LayerNone {
		binary.BigEndian.PutUint32(resp, m.opts.MaxBuffer)
	}
	resp[0] = layer
	resp = append(resp, m.opts.AuthzID...)

	var fl byte
	if m.hasSubkey {
		fl |= FlagAcceptorSubkey
	}
	sec, err := newSecurity(layer, serverMax, m.key(fl), fl, m.seq)
	if err != nil {
		return nil, fmt.Errorf("gssapi: %w", err)
	}
	out, err := wrap(sec.et, sec.key, usageInitiatorSeal, fl, sec.nextSend(), resp, false)
	if err != nil {
		return nil, err
	}
	m.sec = sec
	return out, nil
}

// Security returns the negotiated layer once Step reported done.
func (m *Mechanism) Security() *Security { return m.sec }

// Security wraps and unwraps messages for the negotiated layer.
type Security struct {
	// Layer is LayerNone, LayerIntegrity or LayerConfidentiality.
	Layer byte
	// ServerMax is the largest wrapped buffer the server accepts.
	ServerMax uint32

	key   types.EncryptionKey
	et    etype.EType // with memoised derived keys
	flags byte
	seq   sequence
}

func newSecurity(layer byte, serverMax uint32, key types.EncryptionKey, flags byte, seq sequence) (*Security, error) {
	et, err := memoEtype(key.KeyType)
	if err != nil {
		return nil, err
	}
	return &Security{Layer: layer, ServerMax: serverMax, key: key, et: et, flags: flags, seq: seq}, nil
}

func (s *Security) nextSend() uint64 { return s.seq.next() }

// sequence numbers the wrap tokens of one context in each direction.
type sequence struct {
	send uint64 // the number of our next token
	recv uint64 // the number the peer's next token must carry
}

func (q *sequence) next() uint64 {
	n := q.send
	q.send++
	return n
}

// received accepts the peer's token numbered got when it is the one expected. The
// layer runs over one TCP stream, so any other number is an attack or a broken peer:
// an earlier one a replay or reordering, a later one a token removed from the stream.
func (q *sequence) received(got uint64) error {
	switch {
	case got < q.recv:
		return fmt.Errorf("wrap token: sequence number %d where %d was due: a replayed or reordered message", got, q.recv)
	case got > q.recv:
		return fmt.Errorf("wrap token: sequence number %d where %d was due: %d message(s) missing or reordered", got, q.recv, got-q.recv)
	}
	q.recv++
	return nil
}

// Wrap protects one outgoing buffer.
func (s *Security) Wrap(p []byte) ([]byte, error) {
	return wrap(s.et, s.key, usageInitiatorSeal, s.flags, s.nextSend(), p, s.Layer == LayerConfidentiality)
}

// Unwrap checks (and decrypts) one incoming buffer.
func (s *Security) Unwrap(b []byte) ([]byte, error) {
	tok, err := unwrap(s.et, s.key, usageAcceptorSeal, b, true)
	if err != nil {
		return nil, err
	}
	if s.Layer == LayerConfidentiality && tok.Flags&FlagSealed == 0 {
		return nil, errors.New("wrap token: server sent an unsealed token on a confidential layer")
	}
	if err := s.seq.received(tok.Seq); err != nil {
		return nil, err
	}
	return tok.Payload, nil
}

// Overhead is an upper bound of what wrapping adds to a buffer.
func (s *Security) Overhead() int {
	// header + confounder (16) + encrypted header copy + HMAC (max 24), with margin.
	return hdrLen*3 + 32
}
