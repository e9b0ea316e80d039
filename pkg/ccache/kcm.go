package ccache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// DefaultKCMSocket is MIT's default kcm_socket (/var/run is /run on current systems).
const DefaultKCMSocket = "/var/run/.heim_org.h5l.kcm-socket"

// KCM opcodes (MIT src/include/kcm.h, Heimdal's numbering plus MIT extensions).
const (
	kcmOpStore                 = 6
	kcmOpGetPrincipal          = 8
	kcmOpGetCredUUIDList       = 9
	kcmOpGetCredByUUID         = 10
	kcmOpGetDefaultCache       = 20
	kcmOpGetCredList           = 13001
	kcmProtoMajor              = 2
	kcmProtoMinor              = 0
	kcmUUIDLen                 = 16
	kcmMaxReply                = 10 << 20 // MIT's MAX_REPLY_SIZE
	kcmTimeout                 = 10 * time.Second
	krb5CCNotFound       int32 = -1765328243
	krb5CCEnd            int32 = -1765328242
	krb5CCIO             int32 = -1765328191
	krb5FCCNoFile        int32 = -1765328189
	krb5FCCInternal      int32 = -1765328188
	krb5CCNoSupp         int32 = -1765328137
)

// ErrNoKCM is wrapped when nothing listens on the KCM socket.
var ErrNoKCM = errors.New("no KCM server")

// KCMError is a status code from the KCM server (a krb5 error code).
type KCMError struct{ Code int32 }

func (e *KCMError) Error() string {
	switch e.Code {
	case krb5FCCNoFile:
		return "no such credential cache"
	case krb5CCEnd, krb5CCNotFound:
		return "no matching credential"
	case krb5CCNoSupp, krb5CCIO, krb5FCCInternal:
		return fmt.Sprintf("operation not supported by the KCM server (code %d)", e.Code)
	}
	return fmt.Sprintf("KCM server error %d", e.Code)
}

// unsupported reports codes MIT takes as "operation not implemented" (cc_kcm.c).
func (e *KCMError) unsupported() bool {
	return e.Code == krb5FCCInternal || e.Code == krb5CCIO || e.Code == krb5CCNoSupp
}

// kcmConn is one connection to the KCM daemon.
type kcmConn struct {
	socket string
	conn   net.Conn
}

func dialKCM(socket string) (*kcmConn, error) {
	if socket == "-" {
		return nil, fmt.Errorf("%w: kcm_socket is \"-\" in krb5.conf", ErrNoKCM)
	}
	conn, err := net.DialTimeout("unix", socket, kcmTimeout)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("%w at %s: is sssd-kcm running?", ErrNoKCM, socket)
		}
		return nil, fmt.Errorf("connect to the KCM server at %s: %w", socket, errors.Unwrap(errors.Unwrap(err)))
	}
	return &kcmConn{socket: socket, conn: conn}, nil
}

func (k *kcmConn) Close() error { return k.conn.Close() }

// call sends one request (name NUL-terminated when not nil) and returns the reply
// payload after its status word.
func (k *kcmConn) call(op uint16, name *string, args []byte) ([]byte, error) {
	req := []byte{0, 0, 0, 0, kcmProtoMajor, kcmProtoMinor, byte(op >> 8), byte(op)}
	if name != nil {
		req = append(append(req, *name...), 0)
	}
	req = append(req, args...)
	binary.BigEndian.PutUint32(req, uint32(len(req)-4))
	_ = k.conn.SetDeadline(time.Now().Add(kcmTimeout))
	if _, err := k.conn.Write(req); err != nil {
		return nil, fmt.Errorf("send to the KCM server at %s: %w", k.socket, errors.Unwrap(err))
	}
	return readKCMReply(k.conn)
}

// readKCMReply reads MIT's Unix-socket framing: a 4-byte length, a 4-byte status,
// the reply of that length, which again starts with a 4-byte status.
func readKCMReply(r io.Reader) ([]byte, error) {
	var head [8]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("read the KCM reply: %w", shortRead(err))
	}
	n := binary.BigEndian.Uint32(head[:4])
	if n > kcmMaxReply {
		return nil, fmt.Errorf("%w: KCM reply of %d bytes is too big", ErrMalformed, n)
	}
	if code := int32(binary.BigEndian.Uint32(head[4:])); code != 0 {
		return nil, &KCMError{Code: code}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("read the KCM reply: %w", shortRead(err))
	}
	if len(body) < 4 {
		return nil, fmt.Errorf("%w: KCM reply without a status", ErrMalformed)
	}
	if code := int32(binary.BigEndian.Uint32(body)); code != 0 {
		return nil, &KCMError{Code: code}
	}
	return body[4:], nil
}

func shortRead(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: the server closed the connection", ErrMalformed)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errors.New("timed out")
	}
	return err
}

// parseKCMName reads a NUL-terminated cache name.
func parseKCMName(b []byte) (string, error) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return "", fmt.Errorf("%w: KCM cache name without a NUL", ErrMalformed)
	}
	return string(b[:i]), nil
}

// parseKCMCredList reads a GET_CRED_LIST reply: a count, then count {length, credential}.
func parseKCMCredList(b []byte) ([]Credential, error) {
	r := &reader{b: b, version: 4}
	n := r.count("credential list")
	var out []Credential
	for i := 0; i < n && r.err == nil; i++ {
		data := r.data("credential")
		if r.err != nil {
			break
		}
		c, err := DecodeCredential(data)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if r.err != nil {
		return nil, r.err
	}
	return out, nil
}

// parseKCMUUIDs splits a GET_CRED_UUID_LIST reply.
func parseKCMUUIDs(b []byte) ([][]byte, error) {
	if len(b)%kcmUUIDLen != 0 {
		return nil, fmt.Errorf("%w: UUID list of %d bytes", ErrMalformed, len(b))
	}
	var out [][]byte
	for ; len(b) > 0; b = b[kcmUUIDLen:] {
		out = append(out, b[:kcmUUIDLen:kcmUUIDLen])
	}
	return out, nil
}

// kcmCache is one cache in the KCM daemon.
type kcmCache struct {
	conn     *kcmConn
	residual string
}

// openKCM resolves residual ("" = the daemon's default, i.e. the primary cache of
// the collection) and returns the cache.
func openKCM(socket, residual string) (*kcmCache, error) {
	conn, err := dialKCM(socket)
	if err != nil {
		return nil, err
	}
	if residual == "" {
		reply, err := conn.call(kcmOpGetDefaultCache, nil, nil)
		if err == nil {
			residual, err = parseKCMName(reply)
		}
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("KCM server at %s: default cache: %w", socket, err)
		}
	}
	return &kcmCache{conn: conn, residual: residual}, nil
}

func (c *kcmCache) Name() string { return "KCM:" + c.residual }
func (c *kcmCache) Close() error { return c.conn.Close() }

// Principal is KCM_OP_GET_PRINCIPAL; an empty cache is ErrNoCredentials.
func (c *kcmCache) Principal() (Principal, error) {
	reply, err := c.conn.call(kcmOpGetPrincipal, &c.residual, nil)
	var ke *KCMError
	if errors.As(err, &ke) && ke.Code == krb5FCCNoFile || err == nil && len(reply) == 0 {
		return Principal{}, ErrNoCredentials
	}
	if err != nil {
		return Principal{}, err
	}
	p, err := DecodePrincipal(reply)
	if err == nil && p.IsZero() {
		return Principal{}, ErrNoCredentials
	}
	return p, err
}

// Credentials is KCM_OP_GET_CRED_LIST, or the UUID list and GET_CRED_BY_UUID on a
// server without MIT's extension (what cc_kcm.c falls back to).
func (c *kcmCache) Credentials() ([]Credential, error) {
	reply, err := c.conn.call(kcmOpGetCredList, &c.residual, nil)
	if err == nil {
		return parseKCMCredList(reply)
	}
	var ke *KCMError
	if !errors.As(err, &ke) || !ke.unsupported() {
		return nil, err
	}
	reply, err = c.conn.call(kcmOpGetCredUUIDList, &c.residual, nil)
	if err != nil {
		return nil, err
	}
	uuids, err := parseKCMUUIDs(reply)
	if err != nil {
		return nil, err
	}
	var out []Credential
	for _, id := range uuids {
		reply, err := c.conn.call(kcmOpGetCredByUUID, &c.residual, id)
		if err != nil {
			return nil, err
		}
		cred, err := DecodeCredential(reply)
		if err != nil {
			return nil, err
		}
		out = append(out, cred)
	}
	return out, nil
}

// Store is KCM_OP_STORE.
func (c *kcmCache) Store(cred *Credential) error {
	_, err := c.conn.call(kcmOpStore, &c.residual, EncodeCredential(cred))
	return err
}
