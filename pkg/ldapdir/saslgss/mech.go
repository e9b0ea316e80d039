package saslgss

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/crypto/etype"
	"github.com/jcmturner/gokrb5/v8/gssapi"
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
}

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
// AP-REQ with mutual authentication, integrity and confidentiality requested.
func (m *Mechanism) Start() ([]byte, error) {
	tkt, key, err := m.cl.GetServiceTicket(m.spn)
	if err != nil {
		return nil, fmt.Errorf("get service ticket for %s: %w", m.spn, err)
	}
	m.sessKey = key
	tok, err := spnego.NewKRB5TokenAPREQ(m.cl, tkt, key,
		[]int{gssapi.ContextFlagInteg, gssapi.ContextFlagConf, gssapi.ContextFlagMutual},
		[]int{flags.APOptionMutualRequired})
	if err != nil {
		return nil, fmt.Errorf("build AP-REQ: %w", err)
	}
	b, err := tok.Marshal()
	if err != nil {
		return nil, fmt.Errorf("marshal AP-REQ: %w", err)
	}
	m.state = 1
	return b, nil
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
	sec, err := newSecurity(layer, serverMax, m.key(fl), fl)
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

	key      types.EncryptionKey
	et       etype.EType // with memoised derived keys
	flags    byte
	sendSeq  uint64
	lastRecv uint64
	haveRecv bool
}

func newSecurity(layer byte, serverMax uint32, key types.EncryptionKey, flags byte) (*Security, error) {
	et, err := memoEtype(key.KeyType)
	if err != nil {
		return nil, err
	}
	return &Security{Layer: layer, ServerMax: serverMax, key: key, et: et, flags: flags}, nil
}

func (s *Security) nextSend() uint64 {
	n := s.sendSeq
	s.sendSeq++
	return n
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
	s.lastRecv, s.haveRecv = tok.Seq, true
	return tok.Payload, nil
}

// Overhead is an upper bound of what wrapping adds to a buffer.
func (s *Security) Overhead() int {
	// header + confounder (16) + encrypted header copy + HMAC (max 24), with margin.
	return hdrLen*3 + 32
}
