package saslgss

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/keytab"
)

// GSS-API supplementary status bits (RFC 2744 section 3.9.1).
const (
	gssDuplicateToken = 1 << 1
	gssOldToken       = 1 << 2
	gssUnseqToken     = 1 << 3
	gssGapToken       = 1 << 4
)

// mitPeer runs testdata/mit_acceptor.py: MIT's GSS-API acceptor, without Cyrus SASL
// (which ignores the supplementary status bits that report a token out of sequence).
type mitPeer struct {
	t   *testing.T
	in  io.WriteCloser
	out io.Reader
}

func (p *mitPeer) send(b []byte) {
	p.t.Helper()
	if _, err := p.in.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)); err != nil {
		p.t.Fatal(err)
	}
}

func (p *mitPeer) recv() []byte {
	p.t.Helper()
	var h [4]byte
	if _, err := io.ReadFull(p.out, h[:]); err != nil {
		p.t.Fatalf("acceptor: %v", err)
	}
	b := make([]byte, binary.BigEndian.Uint32(h[:]))
	if _, err := io.ReadFull(p.out, b); err != nil {
		p.t.Fatalf("acceptor: %v", err)
	}
	return b
}

// unwrapStatus sends one of our wrap tokens and returns MIT's gss_unwrap status and
// the payload it read, then checks MIT's sealed echo with our own sequence check.
func (p *mitPeer) unwrapStatus(sec *Security, tok []byte) (uint32, []byte) {
	p.t.Helper()
	p.send(tok)
	r := p.recv()
	status, payload := binary.BigEndian.Uint32(r[:4]), r[4:]
	if echo := p.recv(); len(echo) > 0 && sec != nil {
		got, err := sec.Unwrap(echo)
		if err != nil || !bytes.Equal(got, payload) {
			p.t.Fatalf("MIT's echo: %q, %v", got, err)
		}
	}
	return status, payload
}

// TestMITAcceptor: MIT Kerberos, as the acceptor, grants the sequence and replay flags
// we request, finds our wrap tokens in sequence (no supplementary status: the first
// carries the authenticator's seq-number), and flags a replayed or skipped one; its own
// tokens pass our sequence check. Needs the live test directory's KDC and service keytab
// and python3 with libgssapi_krb5.
func TestMITAcceptor(t *testing.T) {
	adminKT, krb5conf, ca := os.Getenv("ACCESSCTL_TEST_ADMIN_KEYTAB"), os.Getenv("KRB5_CONFIG"), os.Getenv("ACCESSCTL_TEST_CA")
	if adminKT == "" || krb5conf == "" || ca == "" {
		t.Skip("live test directory not configured")
	}
	serviceKT := filepath.Join(filepath.Dir(filepath.Dir(ca)), "ldap.keytab") // testdata/ds/up's state directory
	if _, err := os.Stat(serviceKT); err != nil {
		t.Skipf("no service keytab: %v", err)
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	if err := exec.Command("python3", "-c", "import ctypes; ctypes.CDLL('libgssapi_krb5.so.2')").Run(); err != nil {
		t.Skip("no libgssapi_krb5.so.2")
	}
	cfg, err := config.Load(krb5conf)
	if err != nil {
		t.Fatal(err)
	}
	kt, err := keytab.Load(adminKT)
	if err != nil {
		t.Fatal(err)
	}
	p := kt.Entries[0].Principal
	cl := client.NewWithKeytab(strings.Join(p.Components, "/"), p.Realm, kt, cfg, client.DisablePAFXFAST(true))
	if err := cl.Login(); err != nil {
		t.Fatal(err)
	}
	defer cl.Destroy()

	cmd := exec.Command("python3", "testdata/mit_acceptor.py")
	cmd.Env = append(os.Environ(), "KRB5_KTNAME="+serviceKT)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		in.Close()
		cmd.Wait()
		if stderr.Len() > 0 {
			t.Logf("acceptor: %s", stderr.String())
		}
	}()
	peer := &mitPeer{t: t, in: in, out: out}

	m := New(cl, "ldap/localhost", Options{})
	tok, err := m.Start()
	if err != nil {
		t.Fatal(err)
	}
	peer.send(tok)
	apRep := peer.recv()
	flags := binary.BigEndian.Uint32(peer.recv())
	for _, f := range []uint32{gssapi.ContextFlagMutual, gssapi.ContextFlagReplay, gssapi.ContextFlagSequence, gssapi.ContextFlagConf, gssapi.ContextFlagInteg} {
		if flags&f == 0 {
			t.Errorf("MIT did not grant context flag %#x (flags %#x)", f, flags)
		}
	}
	if _, _, err := m.Step(apRep); err != nil {
		t.Fatalf("AP-REP: %v", err)
	}
	answer, done, err := m.Step(peer.recv())
	if err != nil || !done {
		t.Fatalf("layer offer: done=%v %v", done, err)
	}
	sec := m.Security()
	if status, _ := peer.unwrapStatus(sec, answer); status != 0 {
		t.Fatalf("MIT: our layer answer has status %#x, want 0 (in sequence)", status)
	}
	var last []byte
	for i, msg := range []string{"first", "second", "third"} {
		last, err = sec.Wrap([]byte(msg))
		if err != nil {
			t.Fatal(err)
		}
		status, got := peer.unwrapStatus(sec, last)
		if status != 0 || string(got) != msg {
			t.Fatalf("message %d: MIT status %#x, payload %q", i, status, got)
		}
	}
	// A replay, then a gap: MIT reports both, so its check is on.
	if status, _ := peer.unwrapStatus(sec, last); status&(gssDuplicateToken|gssOldToken) == 0 {
		t.Errorf("replayed token: MIT status %#x, want a duplicate-token report", status)
	}
	if _, err := sec.Wrap([]byte("never sent")); err != nil {
		t.Fatal(err)
	}
	next, _ := sec.Wrap([]byte("after a gap"))
	if status, _ := peer.unwrapStatus(sec, next); status&(gssGapToken|gssUnseqToken) == 0 {
		t.Errorf("token after a gap: MIT status %#x, want a gap report", status)
	}
}
