package names

import (
	"strings"
	"testing"
)

// Issue 16.10: an error echoes at most a short prefix of a long input.
func TestErrorCutsLongInput(t *testing.T) {
	long := strings.Repeat("a", 10240)
	for _, err := range []error{User(long), Group(long + ","), Cluster(long)} {
		if err == nil {
			t.Fatal("a 10 KB name was accepted")
		}
		if msg := err.Error(); len(msg) > 300 || !strings.Contains(msg, "… (10") {
			t.Fatalf("error is %d bytes: %.200q", len(msg), msg)
		}
	}
	if _, err := Host(strings.Repeat("b", 5000) + ".example.org"); err == nil || len(err.Error()) > 400 {
		t.Fatalf("long host label: %.200v", err)
	}
}
