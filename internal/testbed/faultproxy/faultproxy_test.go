package faultproxy

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func start(t *testing.T) *Proxy {
	t.Helper()
	p, err := Start(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func dial(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", p.Addr(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip writes msg and reads len(msg) bytes back within d.
func roundTrip(c net.Conn, msg string, d time.Duration) (string, error) {
	c.SetDeadline(time.Now().Add(d))
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	buf := make([]byte, len(msg))
	n, err := io.ReadFull(c, buf)
	return string(buf[:n]), err
}

func TestPass(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	got, err := roundTrip(c, "hello", time.Second)
	if err != nil || got != "hello" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestModes(t *testing.T) {
	tests := []struct {
		name    string
		mode    Mode
		wantErr func(error) bool
		want    string
	}{
		{"drop after 3 bytes upstream", Mode{Kind: Drop, Bytes: 3, Dir: Upstream},
			func(err error) bool {
				return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err)
			}, "hel"},
		{"drop after 0 bytes", Mode{Kind: Drop, Bytes: 0, Dir: Both},
			func(err error) bool { return errors.Is(err, io.EOF) || isReset(err) }, ""},
		{"stall after 2 bytes downstream", Mode{Kind: Stall, Bytes: 2, Dir: Downstream},
			func(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }, "he"},
		{"stall after time", Mode{Kind: Stall, After: time.Millisecond},
			func(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := start(t)
			c := dial(t, p)
			if got, err := roundTrip(c, "x", time.Second); err != nil || got != "x" {
				t.Fatalf("warm-up: %q %v", got, err)
			}
			if err := p.Set(tt.mode); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond)
			got, err := roundTrip(c, "hello", 300*time.Millisecond)
			if err == nil || !tt.wantErr(err) {
				t.Fatalf("err = %v", err)
			}
			// Dropping races with the echo of the bytes that passed: any prefix of want.
			if !strings.HasPrefix(tt.want, got) || (tt.mode.Kind == Stall && got != tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne)
}

func TestBlackHole(t *testing.T) {
	p := start(t)
	if err := p.BlackHole(); err != nil {
		t.Fatal(err)
	}
	c := dial(t, p)
	_, err := roundTrip(c, "hello", 200*time.Millisecond)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if err := p.Pass(); err != nil {
		t.Fatal(err)
	}
	c2 := dial(t, p)
	if got, err := roundTrip(c2, "ok", time.Second); err != nil || got != "ok" {
		t.Fatalf("after pass: %q %v", got, err)
	}
}

func TestRefuse(t *testing.T) {
	p := start(t)
	if err := p.Refuse(); err != nil {
		t.Fatal(err)
	}
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		t.Fatal("dial succeeded while refusing")
	}
	if err := p.Pass(); err != nil {
		t.Fatal(err)
	}
	c := dial(t, p)
	if got, err := roundTrip(c, "back", time.Second); err != nil || got != "back" {
		t.Fatalf("after pass: %q %v", got, err)
	}
}
