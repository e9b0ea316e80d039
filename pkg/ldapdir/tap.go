package ldapdir

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ldapdir/wire"
)

// tap sits between go-ldap and the connection. The entries of a search it was armed
// for are decoded by package wire as they arrive and handed to the capture, never to
// go-ldap; everything else — the search's done message with its paging cookie, every
// other operation — passes through unchanged, so go-ldap still does the protocol and
// error handling. At 90,000 entries go-ldap's packet trees cost more client time than
// the server takes to send them; this is the one place that needs the speed.
type tap struct {
	net.Conn
	r   *bufio.Reader
	buf []byte // the message being read; reused
	out []byte // passthrough bytes go-ldap has not read yet

	mu     sync.Mutex
	armed  *capture           // given to the next search request written
	active map[int64]*capture // by message ID
}

// capture collects the entries of one search request.
type capture struct {
	mu      sync.Mutex
	dec     *wire.Decoder
	entries []*directory.Entry
	err     error
}

// maxMessage bounds one incoming LDAP message (an entry with many certificates or a
// large group is a few MiB; the bound only stops a runaway length).
const maxMessage = 256 << 20

// keepBuffer is the largest read buffer kept for the next message.
const keepBuffer = 1 << 20

func newTap(c net.Conn) *tap {
	return &tap{Conn: c, r: bufio.NewReaderSize(c, 64<<10), active: map[int64]*capture{}}
}

// arm makes the next search request written collect its entries into the returned
// capture. The caller serializes operations (Client.run), so "next" is its own.
func (t *tap) arm(dec *wire.Decoder) *capture {
	c := &capture{dec: dec}
	t.mu.Lock()
	t.armed = c
	t.mu.Unlock()
	return c
}

// finish disarms c and returns what it collected. Once the search has returned, its
// done message has passed, so no more entries can arrive for it.
func (t *tap) finish(c *capture) ([]*directory.Entry, error) {
	t.mu.Lock()
	if t.armed == c {
		t.armed = nil
	}
	for id, a := range t.active {
		if a == c {
			delete(t.active, id)
		}
	}
	t.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries, c.err
}

func (t *tap) Write(p []byte) (int, error) {
	t.mu.Lock()
	if t.armed != nil {
		// go-ldap writes one whole message per Write.
		if h, err := wire.ParseHeader(p); err == nil && h.Op == wire.OpSearchRequest {
			t.active[h.MsgID] = t.armed
			t.armed = nil
		}
	}
	t.mu.Unlock()
	return t.Conn.Write(p)
}

func (t *tap) Read(p []byte) (int, error) {
	for len(t.out) == 0 {
		msg, err := wire.ReadMessage(t.r, t.buf, maxMessage)
		if err != nil {
			return 0, err
		}
		t.buf = msg[:0]
		if cap(t.buf) > keepBuffer {
			t.buf = nil // one huge entry must not pin its buffer for the connection's life
		}
		h, err := wire.ParseHeader(msg)
		if err == nil && (h.Op == wire.OpSearchEntry || h.Op == wire.OpSearchDone) {
			t.mu.Lock()
			c := t.active[h.MsgID]
			if h.Op == wire.OpSearchDone {
				delete(t.active, h.MsgID)
			}
			t.mu.Unlock()
			if c != nil && h.Op == wire.OpSearchEntry {
				c.add(msg, h)
				continue
			}
		}
		t.out = msg
	}
	n := copy(p, t.out)
	t.out = t.out[n:]
	return n, nil
}

func (c *capture) add(msg []byte, h wire.Header) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	e, err := c.dec.Entry(msg, h)
	if le := (*wire.LimitError)(nil); errors.As(err, &le) {
		c.err = err // the rest of the search is read and dropped: memory stays bounded
		return
	}
	if err != nil {
		c.err = fmt.Errorf("decoding a search result entry: %w", err)
		return
	}
	c.entries = append(c.entries, e)
}
