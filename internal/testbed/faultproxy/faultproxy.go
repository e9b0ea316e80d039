// Package faultproxy is a TCP proxy for network fault tests: it forwards to a target and,
// on command, drops connections after some bytes, stalls them, accepts without ever
// answering (a black hole) or refuses connections. The mode can change at any time and
// applies to open connections too; byte and time thresholds count from the moment the
// mode was set (or from when a connection opened, if later).
package faultproxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is what the proxy does.
type Kind int

const (
	// Pass forwards everything.
	Pass Kind = iota
	// Drop closes the connection once Bytes bytes have passed in Dir.
	Drop
	// Stall stops forwarding (keeping the connection open) once Bytes bytes have passed
	// in Dir, or once After has elapsed when After > 0.
	Stall
	// BlackHole accepts connections and never forwards nor answers anything.
	BlackHole
	// Refuse closes the listening socket: connections are refused.
	Refuse
)

func (k Kind) String() string {
	return [...]string{"pass", "drop", "stall", "blackhole", "refuse"}[k]
}

// Dir selects which direction's bytes count.
type Dir int

const (
	Both       Dir = iota
	Upstream       // client → target
	Downstream     // target → client
)

// Mode is the proxy's behaviour.
type Mode struct {
	Kind  Kind
	Bytes int64
	After time.Duration
	Dir   Dir
}

type state struct {
	mode Mode
	gen  uint64
	set  time.Time
}

// Proxy is a running fault proxy.
type Proxy struct {
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	st    state
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
	done  bool

	accepted atomic.Int64
	changed  chan struct{}
}

// Start listens on 127.0.0.1:0 and forwards to target (host:port) in Pass mode.
func Start(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: target, addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]struct{}{},
		changed: make(chan struct{})}
	p.st = state{mode: Mode{Kind: Pass}, set: time.Now()}
	p.wg.Add(1)
	go p.serve(ln)
	return p, nil
}

// Addr is the proxy's listening address (127.0.0.1:port).
func (p *Proxy) Addr() string { return p.addr }

// Port is the proxy's port.
func (p *Proxy) Port() string { _, port, _ := net.SplitHostPort(p.addr); return port }

// Accepted counts the connections accepted so far.
func (p *Proxy) Accepted() int64 { return p.accepted.Load() }

// Set switches the mode.
func (p *Proxy) Set(m Mode) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return errors.New("faultproxy: closed")
	}
	prev := p.st.mode.Kind
	p.st = state{mode: m, gen: p.st.gen + 1, set: time.Now()}
	close(p.changed)
	p.changed = make(chan struct{})
	switch {
	case m.Kind == Refuse && prev != Refuse:
		p.ln.Close()
	case m.Kind != Refuse && prev == Refuse:
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			return fmt.Errorf("faultproxy: listen again on %s: %w", p.addr, err)
		}
		p.ln = ln
		p.wg.Add(1)
		go p.serve(ln)
	}
	return nil
}

// Pass forwards everything.
func (p *Proxy) Pass() error { return p.Set(Mode{Kind: Pass}) }

// DropAfter closes connections after n more bytes in dir.
func (p *Proxy) DropAfter(n int64, dir Dir) error { return p.Set(Mode{Kind: Drop, Bytes: n, Dir: dir}) }

// StallAfter stops forwarding after n more bytes in dir.
func (p *Proxy) StallAfter(n int64, dir Dir) error {
	return p.Set(Mode{Kind: Stall, Bytes: n, Dir: dir})
}

// StallAfterTime stops forwarding once d has elapsed.
func (p *Proxy) StallAfterTime(d time.Duration) error { return p.Set(Mode{Kind: Stall, After: d}) }

// BlackHole accepts and never answers.
func (p *Proxy) BlackHole() error { return p.Set(Mode{Kind: BlackHole}) }

// Refuse refuses new connections.
func (p *Proxy) Refuse() error { return p.Set(Mode{Kind: Refuse}) }

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return nil
	}
	p.done = true
	p.ln.Close()
	for c := range p.conns {
		c.Close()
	}
	close(p.changed)
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

func (p *Proxy) current() (state, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.st, p.changed
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *Proxy) serve(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		if !p.track(c) {
			c.Close()
			return
		}
		p.wg.Add(1)
		go p.handle(c)
	}
}

// link is one proxied connection's shared accounting.
type link struct {
	p       *Proxy
	client  net.Conn
	target  net.Conn
	opened  time.Time
	mu      sync.Mutex
	gen     uint64
	up, dn  int64
	closing sync.Once
}

func (p *Proxy) handle(c net.Conn) {
	defer p.wg.Done()
	defer p.untrack(c)
	st, _ := p.current()
	if st.mode.Kind == BlackHole {
		p.hole(c)
		return
	}
	t, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		return
	}
	if !p.track(t) {
		t.Close()
		return
	}
	defer p.untrack(t)
	l := &link{p: p, client: c, target: t, opened: time.Now(), gen: st.gen}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); l.pipe(t, c, Upstream) }()
	go func() { defer wg.Done(); l.pipe(c, t, Downstream) }()
	wg.Wait()
}

// hole keeps c open, reading and discarding, until the proxy closes or the mode leaves
// BlackHole (then the connection is closed).
func (p *Proxy) hole(c net.Conn) {
	go io.Copy(io.Discard, c)
	for {
		st, ch := p.current()
		if st.mode.Kind != BlackHole || p.isDone() {
			return
		}
		<-ch
	}
}

func (p *Proxy) isDone() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

func (l *link) close() {
	l.closing.Do(func() {
		l.client.Close()
		l.target.Close()
	})
}

// allow decides how many of n bytes in dir may pass now: n (all), fewer (then the
// action applies), and what to do after.
func (l *link) allow(n int64, dir Dir) (pass int64, act Kind, wait chan struct{}) {
	st, ch := l.p.current()
	l.mu.Lock()
	defer l.mu.Unlock()
	if st.gen != l.gen {
		l.gen = st.gen
		l.up, l.dn = 0, 0
	}
	m := st.mode
	since := st.set
	if l.opened.After(since) {
		since = l.opened
	}
	switch m.Kind {
	case Pass, Refuse:
		l.add(dir, n)
		return n, Pass, nil
	case BlackHole:
		return 0, Stall, ch
	}
	if m.Kind == Stall && m.After > 0 {
		if time.Since(since) >= m.After {
			return 0, Stall, ch
		}
		l.add(dir, n)
		return n, Pass, nil
	}
	counted := m.Dir == Both || m.Dir == dir
	if !counted {
		l.add(dir, n)
		return n, Pass, nil
	}
	used := l.up + l.dn
	if m.Dir == Upstream {
		used = l.up
	} else if m.Dir == Downstream {
		used = l.dn
	}
	left := m.Bytes - used
	if left >= n {
		l.add(dir, n)
		return n, Pass, nil
	}
	if left < 0 {
		left = 0
	}
	l.add(dir, left)
	return left, m.Kind, ch
}

func (l *link) add(dir Dir, n int64) {
	if dir == Upstream {
		l.up += n
	} else {
		l.dn += n
	}
}

func (l *link) pipe(dst, src net.Conn, dir Dir) {
	defer l.close()
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		data := buf[:n]
		for len(data) > 0 {
			pass, act, wait := l.allow(int64(len(data)), dir)
			if pass > 0 {
				if _, werr := dst.Write(data[:pass]); werr != nil {
					return
				}
				data = data[pass:]
			}
			if len(data) == 0 {
				break
			}
			switch act {
			case Drop:
				return
			case Stall:
				// Hold the rest until the mode changes or the proxy closes.
				<-wait
				if l.p.isDone() {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}
