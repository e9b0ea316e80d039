//go:build !linux

package ccache

import (
	"errors"
	"fmt"
)

// ErrKeyring is wrapped when a keyring cannot be reached.
var ErrKeyring = errors.New("keyring not reachable")

type keyringCache struct{ Cache }

func openKeyring(residual string) (*keyringCache, error) {
	return nil, fmt.Errorf("credential cache KEYRING:%s: %w: kernel keyrings are Linux only", cut(residual), ErrUnsupported)
}
