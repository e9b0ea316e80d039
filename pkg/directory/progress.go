package directory

import "context"

type progressKey struct{}

// WithProgress returns a context whose searches report, after each page, how many
// entries they have read so far (for a progress line on a terminal during long
// reads). report is called from the searching goroutine.
func WithProgress(ctx context.Context, report func(entries int)) context.Context {
	return context.WithValue(ctx, progressKey{}, report)
}

// ReportProgress tells the context's progress reporter, if any, that n entries have
// been read.
func ReportProgress(ctx context.Context, n int) {
	if report, ok := ctx.Value(progressKey{}).(func(int)); ok {
		report(n)
	}
}
