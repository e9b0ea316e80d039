package iostreams_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/iostreams"
)

// A long read shows the entries read so far on a terminal, and nothing when piped.
func TestProgressCountsEntries(t *testing.T) {
	for _, tty := range []bool{true, false} {
		ios, _, _, errOut := iostreams.Test()
		ios.SetStdoutTTY(tty)
		ios.SetStderrTTY(tty)
		var read atomic.Int64
		ctx := directory.WithProgress(context.Background(), func(n int) { read.Store(int64(n)) })
		stop := ios.ProgressFunc(func() string { return "reading the directory: " + strconv.FormatInt(read.Load(), 10) + " entries" })
		directory.ReportProgress(ctx, 1000)
		directory.ReportProgress(ctx, 2500)
		time.Sleep(600 * time.Millisecond)
		stop()
		got := errOut.String()
		if tty && !strings.Contains(got, "reading the directory: 2500 entries") {
			t.Errorf("terminal: progress %q, want the count of entries read", got)
		}
		if !tty && got != "" {
			t.Errorf("piped: progress %q, want nothing", got)
		}
	}
}

func TestTerminalWidth(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	t.Setenv("COLUMNS", "")
	if w := ios.TerminalWidth(); w != 80 {
		t.Errorf("default width %d, want 80", w)
	}
	t.Setenv("COLUMNS", "132")
	if w := ios.TerminalWidth(); w != 132 {
		t.Errorf("COLUMNS=132: width %d", w)
	}
	ios.SetTerminalWidth(100)
	if w := ios.TerminalWidth(); w != 100 {
		t.Errorf("terminal of 100 columns: width %d", w)
	}
}
