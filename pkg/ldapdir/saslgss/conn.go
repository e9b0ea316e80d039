package saslgss

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
)

// Conn carries LDAP messages inside SASL security-layer buffers (RFC 4752 section 3.3 and
// RFC 4422 section 3.7): every buffer is a four-octet big-endian length followed by one
// wrap token. It is the net.Conn to hand to ldap.NewConn after the bind.
type Conn struct {
	net.Conn
	sec *Security

	rmu  sync.Mutex
	rbuf []byte
	rerr error // a broken stream stays broken

	wmu sync.Mutex
}

// NewConn wraps raw with the negotiated security layer. When the layer is LayerNone it
// returns raw unchanged.
func NewConn(raw net.Conn, sec *Security) net.Conn {
	if sec == nil || sec.Layer == LayerNone {
		return raw
	}
	return &Conn{Conn: raw, sec: sec}
}

// maxRecv bounds one incoming buffer (the client announces DefaultMaxBuffer).
const maxRecv = DefaultMaxBuffer + 4096

func (c *Conn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.rerr != nil {
		return 0, c.rerr
	}
	for len(c.rbuf) == 0 {
		var lb [4]byte
		if _, err := io.ReadFull(c.Conn, lb[:]); err != nil {
			return 0, err
		}
		n := binary.BigEndian.Uint32(lb[:])
		if n > maxRecv {
			return 0, c.fail(fmt.Errorf("sasl: incoming buffer of %d octets exceeds %d", n, maxRecv))
		}
		// Grown as the octets arrive: a length alone does not make us allocate it.
		var in bytes.Buffer
		in.Grow(int(min(n, 64<<10)))
		if _, err := io.CopyN(&in, c.Conn, int64(n)); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		tok := in.Bytes()
		plain, err := c.sec.Unwrap(tok)
		if err != nil {
			return 0, c.fail(fmt.Errorf("sasl: %w", err))
		}
		c.rbuf = plain
	}
	n := copy(p, c.rbuf)
	c.rbuf = c.rbuf[n:]
	return n, nil
}

// fail ends the connection after a buffer that cannot be trusted (forged, replayed,
// reordered, or out of frame): nothing after it can be read in order any more.
func (c *Conn) fail(err error) error {
	c.rerr = err
	c.Conn.Close()
	return err
}

func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	chunk := len(p)
	if max := int(c.sec.ServerMax) - c.sec.Overhead(); c.sec.ServerMax > 0 && max > 0 && chunk > max {
		chunk = max
	}
	written := 0
	for written < len(p) {
		end := written + chunk
		if end > len(p) {
			end = len(p)
		}
		tok, err := c.sec.Wrap(p[written:end])
		if err != nil {
			return written, fmt.Errorf("sasl: %w", err)
		}
		buf := make([]byte, 4, 4+len(tok))
		binary.BigEndian.PutUint32(buf, uint32(len(tok)))
		buf = append(buf, tok...)
		if _, err := c.Conn.Write(buf); err != nil {
			return written, err
		}
		written = end
	}
	return written, nil
}
