package prompt

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/accessctl/accessctl/pkg/cmdutil"
)

func TestConfirm(t *testing.T) {
	tests := []struct {
		in      string
		def     bool
		want    bool
		wantErr error
	}{
		{"y\n", false, true, nil},
		{"YES\n", false, true, nil},
		{"n\n", true, false, nil},
		{"\n", true, true, nil},
		{"\n", false, false, nil},
		{"", false, false, cmdutil.ErrCanceled},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		p := &Terminal{In: strings.NewReader(tt.in), Out: &out}
		got, err := p.Confirm(context.Background(), "Apply?", tt.def)
		if got != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("Confirm(%q, def=%v) = %v, %v; want %v, %v", tt.in, tt.def, got, err, tt.want, tt.wantErr)
		}
		if !strings.Contains(out.String(), "? Apply?") {
			t.Errorf("question not shown: %q", out.String())
		}
	}
}

func TestConfirmCancelledWhileWaiting(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := &Terminal{In: r, Out: io.Discard}
	if _, err := p.Confirm(ctx, "Apply?", false); !errors.Is(err, cmdutil.ErrCanceled) {
		t.Fatalf("err = %v, want cancelled", err)
	}
}
