// Package cmdutil holds what every accessctl command shares: the Factory of lazily built
// dependencies, the error types that choose exit codes, and the common flags.
package cmdutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/inputfile"
	"github.com/accessctl/accessctl/pkg/ipa"
	"github.com/accessctl/accessctl/pkg/names"
)

// Exit codes: one table for every command (documented in `accessctl help exit-codes`).
const (
	ExitOK       = 0
	ExitError    = 1
	ExitUsage    = 2
	ExitCanceled = 3
	ExitAuth     = 4
	ExitFindings = 5
	ExitPartial  = 6
)

// ExitCodeTable is the human-readable table shown in help and docs.
const ExitCodeTable = `Exit codes:
  0  success
  1  error (directory, network, or internal)
  2  usage or bad input (flags, names, regexes, DNs, ranges, files)
  3  cancelled or refused (answered no, Ctrl-C, or --yes required off a terminal)
  4  authentication failed (no ticket, bad keytab or password, bind refused)
  5  findings (check, lint, audit found something)
  6  partial failure in a bulk run (some items failed, the rest were done)`

// FlagError is bad usage or bad input: exit 2; flag errors also print usage.
type FlagError struct {
	Err       error
	ShowUsage bool
}

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf returns a usage error that prints usage.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...), ShowUsage: true}
}

// InputErrorf returns a bad-input error (exit 2) without usage.
func InputErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// InputError wraps err as bad input (exit 2).
func InputError(err error) error {
	if err == nil {
		return nil
	}
	return &FlagError{Err: err}
}

// ErrCanceled: the operator answered no or pressed Ctrl-C (exit 3).
var ErrCanceled = errors.New("cancelled")

// RefusedError: a removing plan without --yes off a terminal (exit 3).
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return e.Reason }

// ErrYesRequired is the standard refusal.
var ErrYesRequired = &RefusedError{Reason: "--yes required when not running interactively: this removes access or data"}

// AuthError: bind or credentials failure (exit 4).
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

// FindingsError: checks found something (exit 5). Findings were already printed.
type FindingsError struct{ Count int }

func (e *FindingsError) Error() string {
	if e.Count == 1 {
		return "1 finding"
	}
	return fmt.Sprintf("%d findings", e.Count)
}

// PartialError: some items of a bulk run failed (exit 6).
type PartialError struct{ Failed, Total int }

func (e *PartialError) Error() string {
	return fmt.Sprintf("%d of %d failed", e.Failed, e.Total)
}

// SilentError: the message was already printed; exit with Code.
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return fmt.Sprintf("exit %d", e.Code) }

// ExitCode chooses the exit code for err; the one place that does.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var (
		fe  *FlagError
		ne  *names.Error
		re  *RefusedError
		ae  *AuthError
		fin *FindingsError
		pe  *PartialError
		se  *SilentError
		ue  *ipa.UnmanagedError
		ie  *inputfile.Error
	)
	switch {
	case errors.As(err, &se):
		return se.Code
	case errors.As(err, &fe), errors.As(err, &ne), errors.As(err, &ue), errors.As(err, &ie):
		return ExitUsage
	case errors.Is(err, ErrCanceled), errors.Is(err, context.Canceled), errors.As(err, &re):
		return ExitCanceled
	case errors.As(err, &ae), directory.IsAuth(err):
		return ExitAuth
	case errors.As(err, &fin):
		return ExitFindings
	case errors.As(err, &pe):
		return ExitPartial
	}
	return ExitError
}
