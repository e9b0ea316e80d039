package ccache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The layout of MIT's cc_keyring.c: an anchor keyring (persistent, user, session),
// in it a collection keyring ("_krb" in the persistent keyring, "_krb_NAME"
// elsewhere) holding the primary index key and one keyring per cache; in a cache
// keyring the principal key and one key per credential (big_key, or user where the
// kernel has no big_key), each in the version-4 marshalling.
const (
	krccPrimaryKey    = "krb_ccache:primary"
	krccPrincipalKey  = "__krb5_princ__"
	krccTimeOffsets   = "__krb5_time_offsets__"
	krccCollection    = "_krb_"
	krccPersistentCol = "_krb"
)

// ErrKeyring is wrapped when a keyring cannot be reached.
var ErrKeyring = errors.New("keyring not reachable")

type keyringCache struct {
	anchor, collection, subsidiary string
	cacheID                        int // 0 when the cache keyring does not exist
}

// openKeyring resolves KEYRING:residual without creating anything: a missing
// collection or cache is an empty cache, as klist reports it.
func openKeyring(residual string) (*keyringCache, error) {
	c := &keyringCache{}
	anchor, rest, found := strings.Cut(residual, ":")
	if !found {
		anchor, rest = "legacy", residual
	}
	c.anchor = anchor
	c.collection, c.subsidiary, _ = strings.Cut(rest, ":")
	colID, err := c.collectionID()
	if err != nil {
		return nil, err
	}
	if c.subsidiary == "" {
		c.subsidiary = primaryName(colID, c.collection)
	}
	if colID == 0 {
		return c, nil
	}
	if id, err := unix.KeyctlSearch(colID, "keyring", c.subsidiary, 0); err == nil {
		c.cacheID = id
	}
	return c, nil
}

// collectionID finds the collection keyring (0 when it does not exist). Found keys
// are linked into the process keyring, as MIT does, for possession rights.
func (c *keyringCache) collectionID() (int, error) {
	var anchor int
	name := krccCollection + c.collection
	switch c.anchor {
	case "persistent":
		uid := os.Geteuid()
		if c.collection != "" {
			n, err := strconv.Atoi(c.collection)
			if err != nil {
				return 0, fmt.Errorf("credential cache %s: %w: %q is not a uid", c.Name(), ErrKeyring, cut(c.collection))
			}
			uid = n
		}
		id, err := unix.KeyctlInt(unix.KEYCTL_GET_PERSISTENT, uid, unix.KEY_SPEC_PROCESS_KEYRING, 0, 0)
		if errors.Is(err, unix.EOPNOTSUPP) && uid == os.Geteuid() {
			id, err = unix.KEY_SPEC_USER_KEYRING, nil
		}
		if err != nil {
			return 0, fmt.Errorf("credential cache %s: %w: persistent keyring of uid %d: %v", c.Name(), ErrKeyring, uid, err)
		}
		anchor, name = id, krccPersistentCol
	case "user":
		anchor = unix.KEY_SPEC_USER_KEYRING
	case "session", "legacy":
		anchor = unix.KEY_SPEC_SESSION_KEYRING
	case "process", "thread":
		return 0, fmt.Errorf("credential cache %s: %w: a %s keyring belongs to the process that made it", c.Name(), ErrKeyring, c.anchor)
	default:
		return 0, fmt.Errorf("credential cache %s: %w: unknown keyring anchor %q", c.Name(), ErrKeyring, cut(c.anchor))
	}
	id, err := unix.KeyctlSearch(anchor, "keyring", name, unix.KEY_SPEC_PROCESS_KEYRING)
	if errors.Is(err, unix.ENOKEY) || errors.Is(err, unix.EKEYEXPIRED) || errors.Is(err, unix.EKEYREVOKED) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("credential cache %s: %w: %v", c.Name(), ErrKeyring, err)
	}
	return id, nil
}

// primaryName reads the collection's primary index (version 1, length, name); without
// one MIT's default is the collection name, or "tkt".
func primaryName(colID int, collection string) string {
	def := collection
	if def == "" {
		def = "tkt"
	}
	if colID == 0 {
		return def
	}
	id, err := unix.KeyctlSearch(colID, "user", krccPrimaryKey, 0)
	if err != nil {
		return def
	}
	b, err := readKey(id)
	if err != nil || len(b) < 8 || binary.BigEndian.Uint32(b) != 1 {
		return def
	}
	n := binary.BigEndian.Uint32(b[4:])
	if uint64(n) > uint64(len(b)-8) {
		return def
	}
	return string(b[8 : 8+n])
}

func readKey(id int) ([]byte, error) {
	for size := 4096; ; {
		buf := make([]byte, size)
		n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
		if err != nil {
			return nil, err
		}
		if n <= size {
			return buf[:n], nil
		}
		size = n
	}
}

func (c *keyringCache) Name() string {
	return "KEYRING:" + c.anchor + ":" + c.collection + ":" + c.subsidiary
}

func (c *keyringCache) Close() error { return nil }

func (c *keyringCache) Principal() (Principal, error) {
	if c.cacheID == 0 {
		return Principal{}, ErrNoCredentials
	}
	id, err := unix.KeyctlSearch(c.cacheID, "user", krccPrincipalKey, 0)
	if err != nil {
		return Principal{}, ErrNoCredentials
	}
	b, err := readKey(id)
	if err != nil {
		return Principal{}, fmt.Errorf("credential cache %s: read the principal: %w", c.Name(), err)
	}
	return DecodePrincipal(b)
}

func (c *keyringCache) Credentials() ([]Credential, error) {
	if c.cacheID == 0 {
		return nil, ErrNoCredentials
	}
	list, err := readKey(c.cacheID)
	if err != nil {
		return nil, fmt.Errorf("credential cache %s: %w", c.Name(), err)
	}
	var out []Credential
	for i := 0; i+4 <= len(list); i += 4 {
		id := int(int32(binary.NativeEndian.Uint32(list[i:])))
		desc, err := unix.KeyctlString(unix.KEYCTL_DESCRIBE, id)
		if err != nil {
			continue // unlinked meanwhile
		}
		// type;uid;gid;perm;description
		parts := strings.SplitN(desc, ";", 5)
		if len(parts) != 5 || parts[0] == "keyring" || parts[4] == krccPrincipalKey || parts[4] == krccTimeOffsets {
			continue
		}
		b, err := readKey(id)
		if err != nil {
			continue
		}
		cred, err := DecodeCredential(b)
		if err != nil {
			return nil, fmt.Errorf("credential cache %s: %w", c.Name(), err)
		}
		out = append(out, cred)
	}
	return out, nil
}

// Store adds a credential key named by the server principal, as krcc_store does,
// expiring with the ticket.
func (c *keyringCache) Store(cred *Credential) error {
	if c.cacheID == 0 {
		return ErrNoCredentials
	}
	payload := EncodeCredential(cred)
	name := cred.Server.String()
	id, err := unix.AddKey("big_key", name, payload, c.cacheID)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENODEV) {
		id, err = unix.AddKey("user", name, payload, c.cacheID)
	}
	if err != nil {
		return fmt.Errorf("credential cache %s: add key: %w", c.Name(), err)
	}
	if left := time.Until(cred.EndTime); left > 0 {
		_, _ = unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, id, int(left.Seconds()), 0, 0)
	}
	return nil
}
