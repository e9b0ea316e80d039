package interrupt

import (
	"sync"
	"testing"
	"time"
)

// Stop returns at once when nothing is held, waits for a held section to end, and keeps
// later sections from starting. (One test: Stop never unlocks, by design.)
func TestStopWaitsForHeldSections(t *testing.T) {
	release := Hold()
	ran := map[string]bool{}
	AtStop(func() { ran["kept"] = true })
	unregister := AtStop(func() { ran["unregistered"] = true })
	unregister()
	var (
		mu    sync.Mutex
		order []string
	)
	log := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	stopped := make(chan bool)
	go func() { stopped <- Stop() }()
	select {
	case <-stopped:
		t.Fatal("Stop returned while a section was held")
	case <-time.After(100 * time.Millisecond):
	}
	log("released")
	release()
	select {
	case waited := <-stopped:
		if !waited {
			t.Fatal("Stop reported it did not wait")
		}
		log("stopped")
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not return after the section ended")
	}
	started := make(chan struct{})
	go func() { Hold(); close(started) }()
	select {
	case <-started:
		t.Fatal("a section started after Stop")
	case <-time.After(100 * time.Millisecond):
	}
	if len(order) != 2 || order[0] != "released" || order[1] != "stopped" {
		t.Fatalf("order = %v", order)
	}
	if !ran["kept"] || ran["unregistered"] {
		t.Fatalf("AtStop functions run: %v, want only the one still registered", ran)
	}
}
