package saslgss

import (
	"crypto/hmac"
	"sync"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/crypto/common"
	"github.com/jcmturner/gokrb5/v8/crypto/etype"
	"github.com/jcmturner/gokrb5/v8/crypto/rfc3961"
	"github.com/jcmturner/gokrb5/v8/crypto/rfc3962"
	"github.com/jcmturner/gokrb5/v8/crypto/rfc8009"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
)

// keyMemo is an AES enctype whose derived keys are remembered. gokrb5 derives Ke, Ki
// and Kc (n-fold plus block encryptions, RFC 3961 section 5.1) again for every message;
// on a security layer that is every SASL buffer, and 389-ds sends one per LDAP
// message, so a large search spent a tenth of its client time re-deriving three keys.
// The memo reroutes the RFC 3962 and RFC 8009 message functions through itself so that
// they see the memoised DeriveKey; the cryptography stays gokrb5's.
type keyMemo struct {
	etype.EType
	rfc8009 bool

	mu   sync.Mutex
	keys map[string][]byte
}

// memoEtype returns the enctype for keyType, with derived keys memoised for the AES
// enctypes (the others are returned as gokrb5 has them).
func memoEtype(keyType int32) (etype.EType, error) {
	et, err := crypto.GetEtype(keyType)
	if err != nil {
		return nil, err
	}
	switch keyType {
	case etypeID.AES128_CTS_HMAC_SHA1_96, etypeID.AES256_CTS_HMAC_SHA1_96:
		return &keyMemo{EType: et, keys: map[string][]byte{}}, nil
	case etypeID.AES128_CTS_HMAC_SHA256_128, etypeID.AES256_CTS_HMAC_SHA384_192:
		return &keyMemo{EType: et, rfc8009: true, keys: map[string][]byte{}}, nil
	}
	return et, nil
}

func (m *keyMemo) DeriveKey(protocolKey, usage []byte) ([]byte, error) {
	id := string(usage) + "\x00" + string(protocolKey)
	m.mu.Lock()
	k, ok := m.keys[id]
	m.mu.Unlock()
	if ok {
		return k, nil
	}
	k, err := m.EType.DeriveKey(protocolKey, usage)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.keys[id] = k
	m.mu.Unlock()
	return k, nil
}

func (m *keyMemo) EncryptMessage(key, message []byte, usage uint32) ([]byte, []byte, error) {
	if m.rfc8009 {
		return rfc8009.EncryptMessage(key, message, usage, m)
	}
	return rfc3962.EncryptMessage(key, message, usage, m)
}

func (m *keyMemo) DecryptMessage(key, ciphertext []byte, usage uint32) ([]byte, error) {
	if m.rfc8009 {
		return rfc8009.DecryptMessage(key, ciphertext, usage, m)
	}
	return rfc3962.DecryptMessage(key, ciphertext, usage, m)
}

func (m *keyMemo) VerifyIntegrity(protocolKey, ct, pt []byte, usage uint32) bool {
	if m.rfc8009 {
		return rfc8009.VerifyIntegrity(protocolKey, ct, usage, m)
	}
	return rfc3961.VerifyIntegrity(protocolKey, ct, pt, usage, m)
}

func (m *keyMemo) GetChecksumHash(protocolKey, data []byte, usage uint32) ([]byte, error) {
	return common.GetHash(data, protocolKey, common.GetUsageKc(usage), m)
}

// VerifyChecksum is gokrb5's: false when the key cannot be derived (common.VerifyChecksum
// would compare an empty checksum with nil and say true).
func (m *keyMemo) VerifyChecksum(protocolKey, data, chksum []byte, usage uint32) bool {
	want, err := m.GetChecksumHash(protocolKey, data, usage)
	return err == nil && hmac.Equal(chksum, want)
}
