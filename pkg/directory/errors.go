package directory

import (
	"errors"
	"fmt"
	"strings"
)

// LDAP result codes accessctl reacts to (RFC 4511). Both backends report these numbers.
const (
	CodeOperationsError        = 1
	CodeProtocolError          = 2
	CodeTimeLimitExceeded      = 3
	CodeSizeLimitExceeded      = 4
	CodeAuthMethodNotSupported = 7
	CodeStrongerAuthRequired   = 8
	CodeNoSuchAttribute        = 16
	CodeUndefinedAttributeType = 17
	CodeInappropriateMatching  = 18
	CodeConstraintViolation    = 19
	CodeAttributeOrValueExists = 20
	CodeInvalidAttributeSyntax = 21
	CodeNoSuchObject           = 32
	CodeInvalidDNSyntax        = 34
	CodeInappropriateAuth      = 48
	CodeInvalidCredentials     = 49
	CodeInsufficientAccess     = 50
	CodeBusy                   = 51
	CodeUnavailable            = 52
	CodeUnwillingToPerform     = 53
	CodeObjectClassViolation   = 65
	CodeNotAllowedOnNonLeaf    = 66
	CodeNotAllowedOnRDN        = 67
	CodeEntryAlreadyExists     = 68
	CodeObjectClassModsProhib  = 69
	CodeOther                  = 80
	// CodeNetwork is not an LDAP result: the connection failed or timed out.
	CodeNetwork = 200
)

// Error is a failed directory operation: the LDAP result code, the operation and DN it
// concerned, and the server's diagnostic message.
type Error struct {
	Code    int
	Op      string // search, add, modify, delete, rename, bind
	DN      string
	Message string
	Err     error // underlying cause, if any
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	// Server diagnostics and parser messages may span lines; an error is one line.
	msg = strings.Join(strings.Fields(msg), " ")
	s := e.Op
	if e.DN != "" {
		s += " " + e.DN
	}
	s += ": " + codeName(e.Code)
	if msg != "" {
		s += ": " + msg
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error.
func Errorf(code int, op, dn, format string, args ...any) *Error {
	return &Error{Code: code, Op: op, DN: dn, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the LDAP result code carried by err, or -1.
func CodeOf(err error) int {
	var de *Error
	if errors.As(err, &de) {
		return de.Code
	}
	return -1
}

// IsCode reports whether err carries the LDAP result code.
func IsCode(err error, code int) bool { return CodeOf(err) == code }

// IsNotFound reports a missing entry.
func IsNotFound(err error) bool { return IsCode(err, CodeNoSuchObject) }

// IsExists reports an entry (or value) that is already there.
func IsExists(err error) bool {
	c := CodeOf(err)
	return c == CodeEntryAlreadyExists || c == CodeAttributeOrValueExists
}

// IsAuth reports a failed or refused bind.
func IsAuth(err error) bool {
	c := CodeOf(err)
	return c == CodeInvalidCredentials || c == CodeInappropriateAuth || c == CodeAuthMethodNotSupported || c == CodeStrongerAuthRequired
}

func codeName(code int) string {
	names := map[int]string{
		CodeOperationsError: "operations error", CodeProtocolError: "protocol error",
		CodeTimeLimitExceeded: "time limit exceeded", CodeSizeLimitExceeded: "size limit exceeded",
		CodeAuthMethodNotSupported: "auth method not supported", CodeStrongerAuthRequired: "stronger auth required",
		CodeNoSuchAttribute: "no such attribute", CodeUndefinedAttributeType: "undefined attribute type",
		CodeInappropriateMatching: "inappropriate matching", CodeConstraintViolation: "constraint violation",
		CodeAttributeOrValueExists: "attribute or value exists", CodeInvalidAttributeSyntax: "invalid attribute syntax",
		CodeNoSuchObject: "no such object", CodeInvalidDNSyntax: "invalid DN syntax",
		CodeInappropriateAuth: "inappropriate authentication", CodeInvalidCredentials: "invalid credentials",
		CodeInsufficientAccess: "insufficient access", CodeBusy: "busy", CodeUnavailable: "unavailable",
		CodeUnwillingToPerform: "unwilling to perform", CodeObjectClassViolation: "object class violation",
		CodeNotAllowedOnNonLeaf: "not allowed on non-leaf", CodeNotAllowedOnRDN: "not allowed on RDN",
		CodeEntryAlreadyExists: "already exists", CodeObjectClassModsProhib: "object class mods prohibited",
		CodeOther: "other", CodeNetwork: "network error",
	}
	if n, ok := names[code]; ok {
		return n
	}
	return fmt.Sprintf("result code %d", code)
}
