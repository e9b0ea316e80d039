// Package interrupt lets Main end a command promptly after Ctrl-C or SIGTERM without
// cutting a change short. Commands notice the cancelled context where they can; for the
// places that cannot (a read that blocks, a long loop), Main stops waiting after a short
// grace period, but never while a section marked with Hold runs (applying a plan and
// rolling it back): Stop waits for such a section to end first.
package interrupt

import "sync"

// gate: held sections are readers, Stop is the writer that never unlocks.
var gate sync.RWMutex

// Hold marks the start of a section that must run to its end even if the process is
// interrupted meanwhile; call the returned function at its end. Sections must not nest.
func Hold() (release func()) {
	gate.RLock()
	return gate.RUnlock
}

// Stop waits for the held sections to end and keeps new ones from starting, for good,
// then runs the AtStop functions: the process is about to exit. It reports whether it
// had to wait.
func Stop() (waited bool) {
	if !gate.TryLock() {
		gate.Lock()
		waited = true
	}
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	for _, fn := range cleanups {
		fn()
	}
	cleanups = nil
	return waited
}

var (
	cleanupMu sync.Mutex
	cleanups  map[*int]func()
)

// AtStop registers fn to run if the command is abandoned after a signal, before the
// process exits (deferred functions do not run then): restoring the terminal a password
// prompt turned echo off on. Call the returned function when fn is no longer needed.
func AtStop(fn func()) (unregister func()) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	if cleanups == nil {
		cleanups = map[*int]func(){}
	}
	key := new(int)
	cleanups[key] = fn
	return func() {
		cleanupMu.Lock()
		defer cleanupMu.Unlock()
		delete(cleanups, key)
	}
}
