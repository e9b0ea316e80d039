// Package saslgss implements the SASL GSSAPI mechanism (RFC 4752) over Kerberos 5
// (RFC 4121) with gokrb5, including the security layers go-ldap lacks: the integrity and
// confidentiality layers a 389 Directory Server with nsslapd-minssf > 0 demands.
//
// It also accepts the wrap tokens MIT Kerberos acceptors send: RFC 4121 allows the sender
// to rotate the token data right by RRC octets, and MIT does, so the payload and checksum
// are un-rotated before they are parsed (gokrb5 and go-ldap assume RRC 0).
package saslgss

import (
	"bytes"
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/crypto/etype"
	"github.com/jcmturner/gokrb5/v8/types"
)

// Wrap token flags (RFC 4121 section 4.2.2).
const (
	FlagSentByAcceptor = 0x01
	FlagSealed         = 0x02
	FlagAcceptorSubkey = 0x04
)

// Key usages for wrap tokens (RFC 4121 section 2).
const (
	usageAcceptorSeal  = 22
	usageInitiatorSeal = 24
)

const hdrLen = 16

var tokID = [2]byte{0x05, 0x04}

// Token is a parsed, verified wrap token.
type Token struct {
	Flags   byte
	EC      uint16
	RRC     uint16
	Seq     uint64
	Payload []byte
}

// rotateLeft undoes a right rotation by rrc octets.
func rotateLeft(b []byte, rrc int) []byte {
	if len(b) == 0 {
		return b
	}
	rrc %= len(b)
	if rrc == 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[rrc:]...)
	return append(out, b[:rrc]...)
}

// rotateRight rotates b right by rrc octets (as a sender may).
func rotateRight(b []byte, rrc int) []byte {
	if len(b) == 0 {
		return b
	}
	rrc %= len(b)
	return rotateLeft(b, len(b)-rrc)
}

func header(flags byte, ec, rrc uint16, seq uint64) []byte {
	h := make([]byte, hdrLen)
	h[0], h[1] = tokID[0], tokID[1]
	h[2] = flags
	h[3] = 0xFF
	binary.BigEndian.PutUint16(h[4:6], ec)
	binary.BigEndian.PutUint16(h[6:8], rrc)
	binary.BigEndian.PutUint64(h[8:16], seq)
	return h
}

// Wrap builds a wrap token for payload. sealed selects confidentiality; flags carries
// FlagSentByAcceptor and FlagAcceptorSubkey as needed (FlagSealed is set from sealed).
func Wrap(key types.EncryptionKey, usage uint32, flags byte, seq uint64, payload []byte, sealed bool) ([]byte, error) {
	et, err := crypto.GetEtype(key.KeyType)
	if err != nil {
		return nil, fmt.Errorf("wrap token: %w", err)
	}
	return wrap(et, key, usage, flags, seq, payload, sealed)
}

func wrap(et etype.EType, key types.EncryptionKey, usage uint32, flags byte, seq uint64, payload []byte, sealed bool) ([]byte, error) {
	if sealed {
		flags |= FlagSealed
		h := header(flags, 0, 0, seq)
		plain := make([]byte, 0, len(payload)+hdrLen)
		plain = append(plain, payload...)
		plain = append(plain, h...)
		_, ct, err := et.EncryptMessage(key.KeyValue, plain, usage)
		if err != nil {
			return nil, fmt.Errorf("wrap token: %w", err)
		}
		return append(h, ct...), nil
	}
	flags &^= FlagSealed
	ck := make([]byte, 0, len(payload)+hdrLen)
	ck = append(ck, payload...)
	ck = append(ck, header(flags, 0, 0, seq)...)
	sum, err := et.GetChecksumHash(key.KeyValue, ck, usage)
	if err != nil {
		return nil, fmt.Errorf("wrap token: %w", err)
	}
	out := header(flags, uint16(len(sum)), 0, seq)
	out = append(out, payload...)
	return append(out, sum...), nil
}

// Unwrap parses and verifies a wrap token from the peer. fromAcceptor states which side
// the token must come from. Any RRC is honoured: the token data is un-rotated first, so
// MIT's "payload then checksum, rotated" layout and RRC 0 tokens both parse.
func Unwrap(key types.EncryptionKey, usage uint32, b []byte, fromAcceptor bool) (*Token, error) {
	et, err := crypto.GetEtype(key.KeyType)
	if err != nil {
		return nil, fmt.Errorf("wrap token: %w", err)
	}
	return unwrap(et, key, usage, b, fromAcceptor)
}

func unwrap(et etype.EType, key types.EncryptionKey, usage uint32, b []byte, fromAcceptor bool) (*Token, error) {
	if len(b) < hdrLen {
		return nil, errors.New("wrap token: shorter than its header")
	}
	if b[0] != tokID[0] || b[1] != tokID[1] {
		return nil, fmt.Errorf("wrap token: wrong token id %x", b[0:2])
	}
	t := &Token{
		Flags: b[2],
		EC:    binary.BigEndian.Uint16(b[4:6]),
		RRC:   binary.BigEndian.Uint16(b[6:8]),
		Seq:   binary.BigEndian.Uint64(b[8:16]),
	}
	if (t.Flags&FlagSentByAcceptor != 0) != fromAcceptor {
		if fromAcceptor {
			return nil, errors.New("wrap token: not sent by the acceptor")
		}
		return nil, errors.New("wrap token: unexpectedly sent by the acceptor")
	}
	if b[3] != 0xFF {
		return nil, fmt.Errorf("wrap token: bad filler byte %#x", b[3])
	}
	data := rotateLeft(b[hdrLen:], int(t.RRC))
	if t.Flags&FlagSealed != 0 {
		// gokrb5 slices the checksum off without a length check: a short token would panic.
		if min := et.GetConfounderByteSize() + et.GetHMACBitLength()/8; len(data) < min {
			return nil, fmt.Errorf("wrap token: %d octets of sealed data, at least %d needed", len(data), min)
		}
		plain, err := et.DecryptMessage(key.KeyValue, data, usage)
		if err != nil {
			return nil, fmt.Errorf("wrap token: decrypt: %w", err)
		}
		if len(plain) < int(t.EC)+hdrLen {
			return nil, errors.New("wrap token: decrypted data too short")
		}
		inner := plain[len(plain)-hdrLen:]
		want := header(t.Flags, t.EC, 0, t.Seq)
		if !bytes.Equal(inner, want) {
			return nil, errors.New("wrap token: encrypted header does not match")
		}
		t.Payload = plain[:len(plain)-hdrLen-int(t.EC)]
		return t, nil
	}
	if int(t.EC) > len(data) {
		return nil, fmt.Errorf("wrap token: checksum length %d exceeds token data %d", t.EC, len(data))
	}
	payload := data[:len(data)-int(t.EC)]
	sum := data[len(data)-int(t.EC):]
	ck := make([]byte, 0, len(payload)+hdrLen)
	ck = append(ck, payload...)
	ck = append(ck, header(t.Flags, 0, 0, t.Seq)...)
	want, err := et.GetChecksumHash(key.KeyValue, ck, usage)
	if err != nil {
		return nil, fmt.Errorf("wrap token: %w", err)
	}
	if !hmac.Equal(want, sum) {
		return nil, errors.New("wrap token: checksum mismatch")
	}
	t.Payload = payload
	return t, nil
}
