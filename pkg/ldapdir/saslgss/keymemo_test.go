package saslgss

import (
	"bytes"
	"testing"

	"github.com/jcmturner/gokrb5/v8/crypto"
)

// The memoised enctype must interoperate with gokrb5's own: what one side seals or
// sums, the other opens or verifies, many times over the same derived keys.
func TestKeyMemoInteroperates(t *testing.T) {
	for _, et := range etypes {
		t.Run(et.name, func(t *testing.T) {
			k := key(t, et.id, et.size)
			memo, err := memoEtype(et.id)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := memo.(*keyMemo); !ok {
				t.Fatalf("enctype %d is not memoised", et.id)
			}
			plain, err := crypto.GetEtype(et.id)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				msg := bytes.Repeat([]byte{byte(i)}, 100+i)
				for _, dir := range []struct{ name, from, to string }{{"memo→plain", "memo", "plain"}, {"plain→memo", "plain", "memo"}} {
					enc, dec := memo, plain
					if dir.from == "plain" {
						enc, dec = plain, memo
					}
					_, ct, err := enc.EncryptMessage(k.KeyValue, msg, usageAcceptorSeal)
					if err != nil {
						t.Fatal(err)
					}
					got, err := dec.DecryptMessage(k.KeyValue, ct, usageAcceptorSeal)
					if err != nil || !bytes.Equal(got, msg) {
						t.Fatalf("%s: decrypt = %x, %v", dir.name, got, err)
					}
					ct[len(ct)-1] ^= 1
					if _, err := dec.DecryptMessage(k.KeyValue, ct, usageAcceptorSeal); err == nil {
						t.Fatalf("%s: a flipped bit still decrypts", dir.name)
					}
					sum, err := enc.GetChecksumHash(k.KeyValue, msg, usageInitiatorSeal)
					if err != nil {
						t.Fatal(err)
					}
					if !dec.VerifyChecksum(k.KeyValue, msg, sum, usageInitiatorSeal) {
						t.Fatalf("%s: checksum does not verify", dir.name)
					}
					if dec.VerifyChecksum(k.KeyValue, msg, nil, usageInitiatorSeal) || dec.VerifyChecksum(k.KeyValue, msg, sum[1:], usageInitiatorSeal) {
						t.Fatalf("%s: an empty or cut checksum verifies", dir.name)
					}
				}
			}
			if n := len(memo.(*keyMemo).keys); n != 3 {
				t.Errorf("memo holds %d derived keys, want 3 (Ke, Ki, Kc)", n)
			}
			if memo.VerifyChecksum([]byte("short key"), []byte("m"), nil, usageInitiatorSeal) {
				t.Error("an empty checksum verifies under a bad key")
			}
		})
	}
}
