// Package ccache reads and writes Kerberos credential caches as MIT libkrb5 does:
// it picks the cache klist would pick (KRB5CCNAME, default_ccache_name, the built-in
// default, with %{...} expansions), follows a collection (DIR, KCM) to its primary
// cache, and speaks the KCM protocol of MIT's cc_kcm.c to sssd-kcm. Credentials use
// MIT's version-4 marshalling, the same in FILE caches and KCM messages.
package ccache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Principal is a Kerberos principal as a cache stores it.
type Principal struct {
	NameType   int32
	Realm      string
	Components []string
}

// String is the principal in MIT's unparsed form, name@REALM.
func (p Principal) String() string {
	return strings.Join(p.Components, "/") + "@" + p.Realm
}

// IsZero reports a principal with no name (an empty KCM cache answers so).
func (p Principal) IsZero() bool { return p.Realm == "" && len(p.Components) == 0 }

// Data is a typed octet string: an address or an authorization-data element.
type Data struct {
	Type  int32
	Value []byte
}

// Credential is one cache entry (a ticket and its session key).
type Credential struct {
	Client, Server Principal
	KeyType        int32
	Key            []byte
	AuthTime       time.Time
	StartTime      time.Time
	EndTime        time.Time
	RenewTill      time.Time
	IsSKey         bool
	Flags          uint32
	Addresses      []Data
	AuthData       []Data
	Ticket         []byte
	SecondTicket   []byte
}

// IsConfig reports an MIT cache configuration entry (krb5_ccache_conf_data/...@X-CACHECONF:).
func (c *Credential) IsConfig() bool { return c.Server.Realm == "X-CACHECONF:" }

// ErrMalformed is wrapped by every decoding error.
var ErrMalformed = errors.New("malformed credential data")

// maxItems bounds counts read from untrusted data before anything is allocated.
const maxItems = 1 << 16

type reader struct {
	b       []byte
	version int // 3 or 4: v3 repeats the key type
	err     error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: truncated %s", ErrMalformed, what)
	}
}

func (r *reader) bytes(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.fail(what)
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8(what string) uint8 {
	if b := r.bytes(1, what); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16(what string) uint16 {
	if b := r.bytes(2, what); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32(what string) uint32 {
	if b := r.bytes(4, what); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// data reads a 32-bit length and that many bytes (copied, so callers may keep them).
func (r *reader) data(what string) []byte {
	n := r.u32(what)
	if uint64(n) > uint64(len(r.b)) {
		r.fail(what)
		return nil
	}
	return append([]byte{}, r.bytes(int(n), what)...)
}

func (r *reader) count(what string) int {
	n := r.u32(what)
	// Every item takes at least 4 bytes; a larger count cannot be honest.
	if n > maxItems || uint64(n)*4 > uint64(len(r.b)) {
		if r.err == nil {
			r.err = fmt.Errorf("%w: %s count %d too large", ErrMalformed, what, n)
		}
		return 0
	}
	return int(n)
}

func (r *reader) principal() Principal {
	var p Principal
	p.NameType = int32(r.u32("principal name type"))
	n := r.count("principal components")
	p.Realm = string(r.data("principal realm"))
	for i := 0; i < n && r.err == nil; i++ {
		p.Components = append(p.Components, string(r.data("principal component")))
	}
	return p
}

func (r *reader) time() time.Time {
	v := r.u32("time")
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(int64(v), 0)
}

func (r *reader) list(what string) []Data {
	n := r.count(what)
	var out []Data
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, Data{Type: int32(r.u16(what)), Value: r.data(what)})
	}
	return out
}

func (r *reader) credential() Credential {
	var c Credential
	c.Client = r.principal()
	c.Server = r.principal()
	c.KeyType = int32(r.u16("key type"))
	if r.version == 3 {
		c.KeyType = int32(r.u16("key type"))
	}
	c.Key = r.data("key")
	c.AuthTime = r.time()
	c.StartTime = r.time()
	c.EndTime = r.time()
	c.RenewTill = r.time()
	c.IsSKey = r.u8("is_skey") != 0
	c.Flags = r.u32("ticket flags")
	c.Addresses = r.list("addresses")
	c.AuthData = r.list("authorization data")
	c.Ticket = r.data("ticket")
	c.SecondTicket = r.data("second ticket")
	return c
}

// DecodePrincipal decodes one principal in version-4 marshalling (a KCM
// GET_PRINCIPAL reply); trailing bytes are an error.
func DecodePrincipal(b []byte) (Principal, error) {
	r := &reader{b: b, version: 4}
	p := r.principal()
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%w: %d bytes after the principal", ErrMalformed, len(r.b))
	}
	return p, r.err
}

// DecodeCredential decodes one credential in version-4 marshalling (a KCM reply or
// one FILE cache entry); trailing bytes are an error.
func DecodeCredential(b []byte) (Credential, error) {
	r := &reader{b: b, version: 4}
	c := r.credential()
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%w: %d bytes after the credential", ErrMalformed, len(r.b))
	}
	return c, r.err
}

// DecodeFile decodes a FILE cache (format version 3 or 4).
func DecodeFile(b []byte) (Principal, []Credential, error) {
	r := &reader{b: b}
	if r.u8("file header") != 5 {
		return Principal{}, nil, fmt.Errorf("%w: not a credential cache file", ErrMalformed)
	}
	switch v := r.u8("file version"); v {
	case 3, 4:
		r.version = int(v)
	default:
		return Principal{}, nil, fmt.Errorf("%w: cache file version %d (want 3 or 4)", ErrMalformed, v)
	}
	if r.version == 4 {
		r.bytes(int(r.u16("header length")), "header")
	}
	p := r.principal()
	var creds []Credential
	for r.err == nil && len(r.b) > 0 {
		creds = append(creds, r.credential())
	}
	if r.err != nil {
		return Principal{}, nil, r.err
	}
	return p, creds, nil
}

type writer struct{ b []byte }

func (w *writer) u8(v uint8)   { w.b = append(w.b, v) }
func (w *writer) u16(v uint16) { w.b = binary.BigEndian.AppendUint16(w.b, v) }
func (w *writer) u32(v uint32) { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *writer) data(v []byte) {
	w.u32(uint32(len(v)))
	w.b = append(w.b, v...)
}

func (w *writer) principal(p Principal) {
	w.u32(uint32(p.NameType))
	w.u32(uint32(len(p.Components)))
	w.data([]byte(p.Realm))
	for _, c := range p.Components {
		w.data([]byte(c))
	}
}

func (w *writer) time(t time.Time) {
	if t.IsZero() {
		w.u32(0)
		return
	}
	w.u32(uint32(t.Unix()))
}

func (w *writer) list(l []Data) {
	w.u32(uint32(len(l)))
	for _, d := range l {
		w.u16(uint16(d.Type))
		w.data(d.Value)
	}
}

func (w *writer) credential(c *Credential) {
	w.principal(c.Client)
	w.principal(c.Server)
	w.u16(uint16(c.KeyType))
	w.data(c.Key)
	w.time(c.AuthTime)
	w.time(c.StartTime)
	w.time(c.EndTime)
	w.time(c.RenewTill)
	if c.IsSKey {
		w.u8(1)
	} else {
		w.u8(0)
	}
	w.u32(c.Flags)
	w.list(c.Addresses)
	w.list(c.AuthData)
	w.data(c.Ticket)
	w.data(c.SecondTicket)
}

// EncodePrincipal is the version-4 marshalling of p.
func EncodePrincipal(p Principal) []byte {
	var w writer
	w.principal(p)
	return w.b
}

// EncodeCredential is the version-4 marshalling of c.
func EncodeCredential(c *Credential) []byte {
	var w writer
	w.credential(c)
	return w.b
}

// EncodeFile is a version-4 FILE cache holding p and creds, with an empty header.
func EncodeFile(p Principal, creds []Credential) []byte {
	w := writer{b: []byte{5, 4, 0, 0}}
	w.principal(p)
	for i := range creds {
		w.credential(&creds[i])
	}
	return w.b
}
