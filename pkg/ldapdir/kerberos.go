package ldapdir

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/accessctl/accessctl/pkg/ccache"
	"github.com/accessctl/accessctl/pkg/inputfile"
	"github.com/accessctl/accessctl/pkg/krb5conf"
)

// ErrUnsupportedCCache reports a credential cache type accessctl cannot read
// (MEMORY, API).
var ErrUnsupportedCCache = ccache.ErrUnsupported

// ErrNoTicket is wrapped when the cache holds no usable ticket (none, or expired).
var ErrNoTicket = ccache.ErrNoCredentials

// krbSetup is a logged-in gokrb5 client and what --debug should say about it.
type krbSetup struct {
	client *client.Client
	ccache string // the cache used, as klist names it ("" with a keytab)
	notes  []string
	keep   *keep // where new service tickets go (nil with a keytab)

	// The KDCs of realm are found only when a KDC is needed (krb5conf.KDCs): a warm
	// service ticket costs no kdcinfo read or DNS query, as with MIT.
	prof    *krb5conf.Profile
	realm   string
	located bool
}

// locateKDCs hands gokrb5 the KDCs of the client's realm, once.
func (s *krbSetup) locateKDCs(debugf func(string, ...any)) error {
	if s.located {
		return nil
	}
	src, err := s.prof.LocateKDCs(s.client.Config, s.realm, krb5conf.Locator{})
	if err != nil {
		return err
	}
	s.located = true
	for _, r := range s.client.Config.Realms {
		if r.Realm == s.realm {
			debugf("kerberos: KDCs of %s from %s: %s", s.realm, src, strings.Join(r.KDC, ", "))
		}
	}
	return nil
}

// kerberosClient builds the gokrb5 client for a GSSAPI bind from the merged
// Kerberos configuration (krb5conf) and the cache klist would use (ccache).
func kerberosClient(g GSSAPI) (*krbSetup, error) {
	prof, err := krb5conf.LoadDefault(g.Krb5Conf)
	if err != nil {
		return nil, err
	}
	s := &krbSetup{prof: prof, notes: []string{"kerberos configuration: " + strings.Join(prof.Files, ", ")}}
	if len(prof.Files) == 0 {
		s.notes[0] = "kerberos configuration: none of " + strings.Join(prof.Paths, ", ") + " exists"
	}
	cfg := prof.Gokrb5()
	if g.Keytab != "" {
		if g.Principal == "" {
			return s, errors.New("a keytab needs a principal (--principal)")
		}
		kt, err := LoadKeytab(g.Keytab)
		if err != nil {
			return s, fmt.Errorf("load keytab %s: %w", g.Keytab, err)
		}
		user, realm, _ := strings.Cut(g.Principal, "@")
		if realm == "" {
			realm = cfg.LibDefaults.DefaultRealm
		}
		cl := client.NewWithKeytab(user, realm, kt, cfg, client.DisablePAFXFAST(true))
		s.client, s.realm = cl, realm
		if err := s.locateKDCs(func(f string, a ...any) { s.notes = append(s.notes, fmt.Sprintf(f, a...)) }); err != nil {
			return s, err
		}
		if err := cl.Login(); err != nil {
			return s, fmt.Errorf("kerberos login as %s@%s with keytab %s: %w", user, realm, g.Keytab, err)
		}
		s.client = cl
		return s, nil
	}
	name, from, err := ccache.DefaultName(g.CCache, prof)
	if err != nil {
		return s, err
	}
	cc, err := ccache.Open(name, prof)
	if err != nil {
		return s, err
	}
	defer cc.Close()
	s.ccache = cc.Name()
	s.notes = append(s.notes, fmt.Sprintf("credential cache %s (%s from %s)", cc.Name(), name, from))
	cl, k, err := clientFromCache(cc, time.Now())
	if err != nil {
		return s, err
	}
	cl.Config = cfg
	k.prof = prof
	s.client, s.keep, s.realm = cl, k, k.client.Realm
	return s, nil
}

// clientFromCache reads the cache's principal and tickets and checks that its TGT is
// still valid, so that a missing or stale ticket is one clear line, not a KDC error.
func clientFromCache(cc ccache.Cache, now time.Time) (*client.Client, *keep, error) {
	runKinit := func() error { return fmt.Errorf("%w in %s; run kinit", ErrNoTicket, cc.Name()) }
	princ, err := cc.Principal()
	if errors.Is(err, ccache.ErrNoCredentials) {
		return nil, nil, runKinit()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("credential cache %s: %w", cc.Name(), err)
	}
	creds, err := cc.Credentials()
	if err != nil {
		return nil, nil, fmt.Errorf("credential cache %s: %w", cc.Name(), err)
	}
	var tgt *ccache.Credential
	for i, c := range creds {
		if c.Server.Realm == princ.Realm && len(c.Server.Components) == 2 &&
			c.Server.Components[0] == "krbtgt" && c.Server.Components[1] == princ.Realm {
			tgt = &creds[i]
			break
		}
	}
	if tgt == nil {
		return nil, nil, runKinit()
	}
	if !tgt.EndTime.After(now) {
		return nil, nil, &expiredError{msg: fmt.Sprintf("the Kerberos ticket of %s in %s expired at %s; run kinit",
			princ, cc.Name(), tgt.EndTime.Local().Format("2006-01-02 15:04:05 MST"))}
	}
	gcc, err := ccache.Gokrb5(princ, creds)
	if err != nil {
		return nil, nil, fmt.Errorf("credential cache %s: %w", cc.Name(), err)
	}
	cl, err := client.NewFromCCache(gcc, nil, client.DisablePAFXFAST(true))
	if err != nil {
		return nil, nil, fmt.Errorf("credential cache %s: %v; run kinit", cc.Name(), err)
	}
	return cl, &keep{cache: cc.Name(), client: princ, tgt: *tgt}, nil
}

// expiredError is an expired TGT; it is an ErrNoTicket.
type expiredError struct{ msg string }

func (e *expiredError) Error() string        { return e.msg }
func (e *expiredError) Is(target error) bool { return target == ErrNoTicket }

// keep is what storing service tickets back needs: the cache the TGT came from (as
// klist names it, so a collection's member is reopened, not the collection), its
// principal and TGT.
type keep struct {
	cache  string
	prof   *krb5conf.Profile
	client ccache.Principal
	tgt    ccache.Credential
}

// serviceTicket makes sure the client holds a ticket for spn before the GSSAPI bind
// asks for one. A ticket already in the cache is used as it is; a new one is fetched
// from the KDC and stored back into the cache, as MIT's libraries do, so the next
// command within its lifetime sends no KDC request. A cache that cannot be written
// costs one --debug line, nothing else. The error is that no KDC could be found.
func (s *krbSetup) serviceTicket(spn string, debugf func(string, ...any)) error {
	if s == nil || s.keep == nil {
		return nil
	}
	if _, _, ok := s.client.GetCachedTicket(spn); ok {
		debugf("kerberos: service ticket for %s from %s", spn, s.ccache)
		return nil
	}
	if err := s.locateKDCs(debugf); err != nil {
		return err
	}
	k := s.keep
	var tgt messages.Ticket
	if err := tgt.Unmarshal(k.tgt.Ticket); err != nil {
		return nil // the bind asks the KDC itself and reports what fails
	}
	tgtKey := types.EncryptionKey{KeyType: k.tgt.KeyType, KeyValue: k.tgt.Key}
	princ := types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, spn)
	_, rep, err := s.client.TGSREQGenerateAndExchange(princ, k.client.Realm, tgt, tgtKey, false)
	if err != nil {
		return nil
	}
	cred, err := credentialOf(k.client, rep)
	if err == nil {
		var cc ccache.Cache
		if cc, err = ccache.Open(k.cache, k.prof); err == nil {
			// A kinit since this command read the cache may have given it to someone else.
			if p, perr := cc.Principal(); perr != nil || p.String() != k.client.String() {
				err = errors.New("the cache changed hands since it was read")
			} else {
				err = cc.Store(cred)
			}
			cc.Close()
		}
	}
	if err != nil {
		debugf("kerberos: service ticket for %s not stored in %s: %v", spn, k.cache, err)
		return nil
	}
	debugf("kerberos: service ticket for %s stored in %s", spn, k.cache)
	return nil
}

// credentialOf is the cache entry of a TGS reply.
func credentialOf(client ccache.Principal, rep messages.TGSRep) (*ccache.Credential, error) {
	ticket, err := rep.Ticket.Marshal()
	if err != nil {
		return nil, err
	}
	part := rep.DecryptedEncPart
	var flags uint32
	if b := part.Flags.Bytes; len(b) >= 4 {
		flags = binary.BigEndian.Uint32(b)
	}
	return &ccache.Credential{
		Client:    client,
		Server:    ccache.Principal{NameType: part.SName.NameType, Realm: part.SRealm, Components: part.SName.NameString},
		KeyType:   part.Key.KeyType,
		Key:       part.Key.KeyValue,
		AuthTime:  part.AuthTime,
		StartTime: part.StartTime,
		EndTime:   part.EndTime,
		RenewTill: part.RenewTill,
		Flags:     flags,
		Ticket:    ticket,
	}, nil
}

// LoadKeytab reads a keytab as keytab.Load does, through inputfile: a regular file of
// bounded size, never a FIFO or a device.
func LoadKeytab(path string) (*keytab.Keytab, error) {
	b, err := inputfile.ReadFile(path, inputfile.Keytab)
	if err != nil {
		return nil, err
	}
	kt := keytab.New()
	if err := kt.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("keytab %s: %w", path, err)
	}
	return kt, nil
}
