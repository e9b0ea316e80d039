package saslgss

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// LDAP protocol tags used by the raw exchanges below (RFC 4511).
const (
	appBindRequest       = 0
	appBindResponse      = 1
	appExtendedRequest   = 23
	appExtendedResponse  = 24
	resultSuccess        = 0
	resultSASLInProgress = 14
	oidStartTLS          = "1.3.6.1.4.1.1466.20037"
)

// rawConn exchanges LDAP messages on a connection no ldap.Conn owns yet.
type rawConn struct {
	c     net.Conn
	msgID int64
}

func (r *rawConn) roundTrip(op *ber.Packet, timeout time.Duration) (*ber.Packet, error) {
	r.msgID++
	env := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Request")
	env.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, r.msgID, "MessageID"))
	env.AppendChild(op)
	if timeout > 0 {
		if err := r.c.SetDeadline(time.Now().Add(timeout)); err != nil {
			return nil, err
		}
		defer r.c.SetDeadline(time.Time{})
	}
	if _, err := r.c.Write(env.Bytes()); err != nil {
		return nil, err
	}
	for {
		p, err := ber.ReadPacket(r.c)
		if err != nil {
			return nil, err
		}
		if len(p.Children) < 2 {
			return nil, errors.New("ldap: malformed response")
		}
		id, ok := p.Children[0].Value.(int64)
		if !ok {
			return nil, errors.New("ldap: malformed response message id")
		}
		if id == 0 {
			// Unsolicited notification (e.g. notice of disconnection).
			return nil, ldapResult(p.Children[1], "unsolicited notification")
		}
		if id != r.msgID {
			continue
		}
		return p.Children[1], nil
	}
}

// ldapResult turns an LDAPResult into an *ldap.Error (nil on success).
func ldapResult(op *ber.Packet, what string) error {
	if len(op.Children) < 3 {
		return ldap.NewError(ldap.ErrorUnexpectedResponse, fmt.Errorf("malformed %s", what))
	}
	code, _ := op.Children[0].Value.(int64)
	if code == resultSuccess {
		return nil
	}
	msg := packetString(op.Children[2])
	return &ldap.Error{ResultCode: uint16(code), MatchedDN: packetString(op.Children[1]), Err: errors.New(msg)}
}

func resultCode(op *ber.Packet) int64 {
	if len(op.Children) == 0 {
		return -1
	}
	c, ok := op.Children[0].Value.(int64)
	if !ok {
		return -1
	}
	return c
}

func packetString(p *ber.Packet) string {
	if p == nil {
		return ""
	}
	if s, ok := p.Value.(string); ok {
		return s
	}
	return string(packetBytes(p))
}

func packetBytes(p *ber.Packet) []byte {
	if p.Data != nil && p.Data.Len() > 0 {
		return bytes.Clone(p.Data.Bytes())
	}
	return bytes.Clone(p.ByteValue)
}

// StartTLS sends the StartTLS extended operation on raw and completes the TLS handshake.
// It is done before any SASL layer, so TLS runs below the layer. timeout bounds the
// exchange and the handshake.
func StartTLS(raw net.Conn, cfg *tls.Config, timeout time.Duration) (*tls.Conn, error) {
	req := ber.Encode(ber.ClassApplication, ber.TypeConstructed, appExtendedRequest, nil, "Extended Request")
	req.AppendChild(ber.NewString(ber.ClassContext, ber.TypePrimitive, 0, oidStartTLS, "StartTLS"))
	rc := &rawConn{c: raw}
	resp, err := rc.roundTrip(req, timeout)
	if err != nil {
		return nil, fmt.Errorf("starttls: %w", err)
	}
	if resp.Tag != appExtendedResponse {
		return nil, fmt.Errorf("starttls: unexpected response tag %d", resp.Tag)
	}
	if err := ldapResult(resp, "extended response"); err != nil {
		return nil, fmt.Errorf("starttls: %w", err)
	}
	tc := tls.Client(raw, cfg)
	if timeout > 0 {
		_ = raw.SetDeadline(time.Now().Add(timeout))
		defer raw.SetDeadline(time.Time{})
	}
	if err := tc.Handshake(); err != nil {
		return nil, fmt.Errorf("starttls: %w", err)
	}
	return tc, nil
}

// BindTimeouts bound the SASL exchange: First is the wait for the server's first answer
// (a hanging server is detected by it), Step every later one.
type BindTimeouts struct {
	First, Step time.Duration
}

// Bind performs a SASL GSSAPI bind on conn (plain TCP or TLS, no ldap.Conn on it yet)
// and returns the connection to hand to ldap.NewConn: conn itself when no layer was
// negotiated, else conn wrapped in the security layer.
func Bind(conn net.Conn, m *Mechanism, to BindTimeouts) (net.Conn, error) {
	rc := &rawConn{c: conn}
	tok, err := m.Start()
	if err != nil {
		return nil, err
	}
	timeout := to.First
	for i := 0; ; i++ {
		if i > 10 {
			return nil, errors.New("gssapi: too many SASL round trips")
		}
		resp, err := rc.roundTrip(bindRequest(tok), timeout)
		if err != nil {
			return nil, err
		}
		timeout = to.Step
		if resp.Tag != appBindResponse {
			return nil, fmt.Errorf("gssapi: unexpected response tag %d", resp.Tag)
		}
		code := resultCode(resp)
		creds := saslCreds(resp)
		switch code {
		case resultSuccess:
			if m.state != 3 {
				return nil, errors.New("gssapi: server ended the bind before the security layer was negotiated")
			}
			return NewConn(conn, m.Security()), nil
		case resultSASLInProgress:
			if m.state == 3 {
				return nil, errors.New("gssapi: server continued after the final SASL message")
			}
			tok, _, err = m.Step(creds)
			if err != nil {
				return nil, err
			}
		default:
			return nil, ldapResult(resp, "bind response")
		}
	}
}

func bindRequest(token []byte) *ber.Packet {
	req := ber.Encode(ber.ClassApplication, ber.TypeConstructed, appBindRequest, nil, "Bind Request")
	req.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, 3, "Version"))
	req.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "User Name"))
	auth := ber.Encode(ber.ClassContext, ber.TypeConstructed, 3, nil, "authentication")
	auth.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "GSSAPI", "SASL Mech"))
	if token != nil {
		auth.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, string(token), "Credentials"))
	}
	req.AppendChild(auth)
	return req
}

// saslCreds returns serverSaslCreds ([7] OCTET STRING) of a BindResponse, or nil.
func saslCreds(resp *ber.Packet) []byte {
	for _, c := range resp.Children[min(3, len(resp.Children)):] {
		if c.ClassType == ber.ClassContext && c.Tag == 7 {
			return packetBytes(c)
		}
	}
	return nil
}
