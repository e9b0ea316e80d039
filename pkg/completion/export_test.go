package completion

import (
	"os"
	"time"

	"github.com/accessctl/accessctl/pkg/cmdutil"
)

type CmdutilFactory = cmdutil.Factory

// RoundTrip saves and loads items through the cache format.
func RoundTrip(dir string, items []Item) []Item {
	base := dir + "/completion-test"
	if err := saveKind(base, "test", "users", items, time.Now()); err != nil {
		panic(err)
	}
	k := loadKind(base, "users")
	if k == nil {
		panic("loadKind: nil")
	}
	if _, ok := parseFast(mustRead(kindPath(base, "users"))); !ok {
		panic("parseFast failed on saveKind's output")
	}
	return k.items()
}

func mustRead(p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		panic(err)
	}
	return b
}
