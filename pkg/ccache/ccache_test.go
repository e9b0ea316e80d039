package ccache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accessctl/accessctl/pkg/krb5conf"
)

func profile(t *testing.T, text string) *krb5conf.Profile {
	t.Helper()
	p := filepath.Join(t.TempDir(), "krb5.conf")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	prof, err := krb5conf.Load([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	return prof
}

func TestDefaultName(t *testing.T) {
	uid := strconv.Itoa(os.Getuid())
	conf := profile(t, "[libdefaults]\n default_ccache_name = DIR:%{TEMP}/cc_%{uid}\n")
	empty := profile(t, "[libdefaults]\n")
	t.Setenv("TMPDIR", "/var/tmp/")
	tests := []struct {
		name, flag, env string
		prof            *krb5conf.Profile
		want, from      string
	}{
		{"flag wins", "FILE:/x", "KCM:", conf, "FILE:/x", FromFlag},
		{"KRB5CCNAME next", "", "KCM:", conf, "KCM:", FromEnv},
		{"default_ccache_name expanded", "", "", conf, "DIR:/var/tmp/cc_" + uid, FromConfig},
		{"built-in default", "", "", empty, "FILE:/tmp/krb5cc_" + uid, FromBuiltin},
		{"no configuration at all", "", "", nil, "FILE:/tmp/krb5cc_" + uid, FromBuiltin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KRB5CCNAME", tt.env)
			got, from, err := DefaultName(tt.flag, tt.prof)
			if err != nil || got != tt.want || from != tt.from {
				t.Fatalf("got %q from %q, %v; want %q from %q", got, from, err, tt.want, tt.from)
			}
		})
	}
	if _, err := Expand("FILE:%{LIBDIR}/x"); err == nil {
		t.Fatal("unknown token accepted")
	}
	if got, _ := Expand("KEYRING:persistent:%{euid}%{null}"); got != "KEYRING:persistent:"+strconv.Itoa(os.Geteuid()) {
		t.Fatalf("euid/null: %q", got)
	}
}

func TestOpenNames(t *testing.T) {
	dir := t.TempDir()
	none := t.TempDir()
	os.WriteFile(filepath.Join(dir, "primary"), []byte("tktABC\n"), 0o600)
	tests := []struct{ name, want string }{
		{"/tmp/cc", "FILE:/tmp/cc"},
		{"FILE:/tmp/cc", "FILE:/tmp/cc"},
		{"file:/tmp/cc", "FILE:/tmp/cc"},
		{"DIR:" + dir, "DIR::" + dir + "/tktABC"},
		{"DIR:" + none, "DIR::" + none + "/tkt"},
		{"DIR::" + dir + "/tktX", "DIR::" + dir + "/tktX"},
	}
	for _, tt := range tests {
		c, err := Open(tt.name, nil)
		if err != nil || c.Name() != tt.want {
			t.Errorf("Open(%q) = %v, %v; want %q", tt.name, c, err, tt.want)
		}
	}
	for _, name := range []string{"MEMORY:x", "API:y"} {
		if _, err := Open(name, nil); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Open(%q): %v", name, err)
		}
	}
	if runtime.GOOS == "linux" {
		if _, err := Open("KEYRING:process:x", nil); !errors.Is(err, ErrKeyring) {
			t.Errorf("process keyring: %v", err)
		}
		// A collection nobody made: named as klist names it, and empty (nothing created).
		c, err := Open("KEYRING:user:accessctl-unit-none", nil)
		if err != nil || c.Name() != "KEYRING:user:accessctl-unit-none:accessctl-unit-none" {
			t.Fatalf("user keyring: %v, %v", c, err)
		}
		if _, err := c.Principal(); !errors.Is(err, ErrNoCredentials) {
			t.Errorf("empty keyring: %v", err)
		}
	}
	c, _ := Open("FILE:"+filepath.Join(dir, "missing"), nil)
	if _, err := c.Principal(); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("missing FILE cache: %v", err)
	}
}

func sampleCred(server string) Credential {
	return Credential{
		Client:    Principal{NameType: 1, Realm: "A.TEST", Components: []string{"admin"}},
		Server:    Principal{NameType: 2, Realm: "A.TEST", Components: strings.Split(server, "/")},
		KeyType:   18,
		Key:       bytes.Repeat([]byte{7}, 32),
		AuthTime:  time.Unix(1700000000, 0),
		StartTime: time.Unix(1700000001, 0),
		EndTime:   time.Unix(1700086400, 0),
		RenewTill: time.Unix(1700600000, 0),
		Flags:     0x40e10000,
		Addresses: []Data{{Type: 2, Value: []byte{127, 0, 0, 1}}},
		AuthData:  []Data{{Type: 1, Value: []byte("ad")}},
		Ticket:    []byte("ticket"),
	}
}

func TestCredentialRoundTrip(t *testing.T) {
	c := sampleCred("krbtgt/A.TEST")
	got, err := DecodeCredential(EncodeCredential(&c))
	if err != nil || !reflect.DeepEqual(got, normalize(c)) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	p, creds, err := DecodeFile(EncodeFile(c.Client, []Credential{c, sampleCred("ldap/h.a.test")}))
	if err != nil || p.String() != "admin@A.TEST" || len(creds) != 2 || creds[1].Server.String() != "ldap/h.a.test@A.TEST" {
		t.Fatalf("file: %v %v %v", p, creds, err)
	}
	b := EncodeCredential(&c)
	for i := range b {
		if _, err := DecodeCredential(b[:i]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("truncated at %d: %v", i, err)
		}
	}
	if _, err := DecodeCredential(append(b, 0)); !errors.Is(err, ErrMalformed) {
		t.Fatal("trailing byte accepted")
	}
	if _, _, err := DecodeFile([]byte{5, 2, 0}); !errors.Is(err, ErrMalformed) {
		t.Fatal("version 2 accepted")
	}
}

// normalize gives nil-vs-empty slices the shape the decoder returns.
func normalize(c Credential) Credential {
	if c.SecondTicket == nil {
		c.SecondTicket = []byte{}
	}
	return c
}

func TestFileStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc")
	tgt := sampleCred("krbtgt/A.TEST")
	os.WriteFile(path, EncodeFile(tgt.Client, []Credential{tgt}), 0o600)
	c, _ := Open("FILE:"+path, nil)
	svc := sampleCred("ldap/h.a.test")
	if err := c.Store(&svc); err != nil {
		t.Fatal(err)
	}
	creds, err := c.Credentials()
	if err != nil || len(creds) != 2 || creds[1].Server.String() != "ldap/h.a.test@A.TEST" {
		t.Fatalf("after store: %v %v", creds, err)
	}
}

// fakeKCM answers like sssd-kcm, from one cache; uuidOnly makes GET_CRED_LIST
// unsupported so the UUID fallback runs.
type fakeKCM struct {
	principal []byte
	creds     [][]byte
	uuidOnly  bool
	stored    [][]byte
}

func (f *fakeKCM) serve(t *testing.T, ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			for {
				var n uint32
				if binary.Read(conn, binary.BigEndian, &n) != nil {
					return
				}
				req := make([]byte, n)
				if _, err := io.ReadFull(conn, req); err != nil {
					return
				}
				op := binary.BigEndian.Uint16(req[2:4])
				args := req[4:]
				if op != kcmOpGetDefaultCache {
					name, rest, _ := bytes.Cut(args, []byte{0})
					if string(name) != "0:7" {
						reply(conn, krb5FCCNoFile, nil)
						continue
					}
					args = rest
				}
				switch op {
				case kcmOpGetDefaultCache:
					reply(conn, 0, []byte("0:7\x00"))
				case kcmOpGetPrincipal:
					reply(conn, 0, f.principal)
				case kcmOpGetCredList:
					if f.uuidOnly {
						reply(conn, krb5CCIO, nil)
						continue
					}
					var w writer
					w.u32(uint32(len(f.creds)))
					for _, c := range f.creds {
						w.data(c)
					}
					reply(conn, 0, w.b)
				case kcmOpGetCredUUIDList:
					var b []byte
					for i := range f.creds {
						b = append(b, bytes.Repeat([]byte{byte(i)}, kcmUUIDLen)...)
					}
					reply(conn, 0, b)
				case kcmOpGetCredByUUID:
					reply(conn, 0, f.creds[args[0]])
				case kcmOpStore:
					f.stored = append(f.stored, append([]byte{}, args...))
					reply(conn, 0, nil)
				default:
					reply(conn, krb5CCNoSupp, nil)
				}
			}
		}()
	}
}

// reply frames as sssd does: length, status, then the reply (its own status first).
func reply(w io.Writer, code int32, payload []byte) {
	var b writer
	b.u32(uint32(4 + len(payload)))
	b.u32(0)
	b.u32(uint32(code))
	w.Write(append(b.b, payload...))
}

func startFake(t *testing.T, f *fakeKCM) *krb5conf.Profile {
	sock := filepath.Join(t.TempDir(), "kcm")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go f.serve(t, ln)
	return profile(t, "[libdefaults]\n kcm_socket = "+sock+"\n")
}

func TestKCM(t *testing.T) {
	tgt, svc := sampleCred("krbtgt/A.TEST"), sampleCred("ldap/h.a.test")
	for _, uuidOnly := range []bool{false, true} {
		t.Run("uuidOnly="+strconv.FormatBool(uuidOnly), func(t *testing.T) {
			f := &fakeKCM{principal: EncodePrincipal(tgt.Client), creds: [][]byte{EncodeCredential(&tgt), EncodeCredential(&svc)}, uuidOnly: uuidOnly}
			prof := startFake(t, f)
			c, err := Open("KCM:", prof)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Name() != "KCM:0:7" {
				t.Errorf("name %q", c.Name())
			}
			p, err := c.Principal()
			if err != nil || p.String() != "admin@A.TEST" {
				t.Fatalf("principal %v, %v", p, err)
			}
			creds, err := c.Credentials()
			if err != nil || len(creds) != 2 || creds[1].Server.String() != "ldap/h.a.test@A.TEST" {
				t.Fatalf("credentials %v, %v", creds, err)
			}
			if err := c.Store(&svc); err != nil || len(f.stored) != 1 || !bytes.Equal(f.stored[0], EncodeCredential(&svc)) {
				t.Fatalf("store: %v, %d stored", err, len(f.stored))
			}
		})
	}
	t.Run("empty cache", func(t *testing.T) {
		prof := startFake(t, &fakeKCM{})
		c, err := Open("KCM:", prof)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Principal(); !errors.Is(err, ErrNoCredentials) {
			t.Fatalf("empty: %v", err)
		}
		c2, _ := Open("KCM:0:404", prof)
		if _, err := c2.Principal(); !errors.Is(err, ErrNoCredentials) {
			t.Fatalf("unknown cache: %v", err)
		}
	})
	t.Run("no server", func(t *testing.T) {
		sock := filepath.Join(t.TempDir(), "none")
		_, err := Open("KCM:", profile(t, "[libdefaults]\n kcm_socket = "+sock+"\n"))
		want := "no KCM server at " + sock + ": is sssd-kcm running?"
		if !errors.Is(err, ErrNoKCM) || err.Error() != want {
			t.Fatalf("err = %v, want %q", err, want)
		}
	})
}

func FuzzKCMReply(f *testing.F) {
	c := sampleCred("krbtgt/A.TEST")
	var w writer
	w.u32(1)
	w.data(EncodeCredential(&c))
	for _, payload := range [][]byte{w.b, []byte("0:7\x00"), EncodePrincipal(c.Client), bytes.Repeat([]byte{1}, 32)} {
		var b bytes.Buffer
		reply(&b, 0, payload)
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		payload, err := readKCMReply(bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(payload) > len(b) {
			t.Fatalf("payload longer than the input")
		}
		parseKCMName(payload)
		parseKCMUUIDs(payload)
		DecodePrincipal(payload)
		if creds, err := parseKCMCredList(payload); err == nil {
			for _, c := range creds {
				if _, err := DecodeCredential(EncodeCredential(&c)); err != nil {
					t.Fatalf("re-encoded credential does not decode: %v", err)
				}
			}
		}
	})
}

func FuzzCredential(f *testing.F) {
	c := sampleCred("krbtgt/A.TEST")
	f.Add(EncodeCredential(&c))
	f.Add(EncodeFile(c.Client, []Credential{c}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if cred, err := DecodeCredential(b); err == nil {
			again, err := DecodeCredential(EncodeCredential(&cred))
			if err != nil || !reflect.DeepEqual(again, cred) {
				t.Fatalf("a decoded credential does not survive encoding: %v", err)
			}
		}
		if p, creds, err := DecodeFile(b); err == nil {
			// What the decoder accepts, gokrb5's parser must take without panicking.
			if _, err := Gokrb5(p, creds); err != nil {
				t.Logf("gokrb5: %v", err)
			}
		}
	})
}
