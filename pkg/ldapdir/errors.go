package ldapdir

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/go-ldap/ldap/v3"
	"github.com/jcmturner/gokrb5/v8/krberror"

	"github.com/accessctl/accessctl/pkg/directory"
)

// mapError turns any error of an LDAP operation into a *directory.Error carrying the
// LDAP result code (CodeNetwork for connection failures and timeouts).
func mapError(err error, op, dn string) error {
	if err == nil {
		return nil
	}
	var de *directory.Error
	if errors.As(err, &de) {
		return err
	}
	var le *ldap.Error
	if errors.As(err, &le) {
		code := int(le.ResultCode)
		msg := ""
		if le.Err != nil {
			msg = le.Err.Error()
		}
		switch code {
		case ldap.ErrorNetwork:
			code = directory.CodeNetwork
		case ldap.ErrorFilterCompile, ldap.ErrorFilterDecompile:
			code = directory.CodeProtocolError
			msg = "bad filter: " + msg
		case ldap.ErrorDebugging, ldap.ErrorUnexpectedMessage, ldap.ErrorUnexpectedResponse, ldap.ErrorEmptyPassword:
			code = directory.CodeOther
		}
		msg = strings.TrimPrefix(msg, "ldap: ")
		return &directory.Error{Code: code, Op: op, DN: dn, Message: msg, Err: err}
	}
	return &directory.Error{Code: directory.CodeNetwork, Op: op, DN: dn, Message: describeNetErr(err), Err: err}
}

// describeNetErr gives connection failures a message that says what to do.
func describeNetErr(err error) string {
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return "certificate signed by unknown authority; pass --ca-file with the IPA CA (/etc/ipa/ca.crt)"
	}
	var he x509.HostnameError
	if errors.As(err, &he) {
		return he.Error() + "; connect by a name the certificate holds"
	}
	var ce x509.CertificateInvalidError
	if errors.As(err, &ce) {
		return "invalid server certificate: " + ce.Error()
	}
	if errors.Is(err, context.Canceled) {
		return "cancelled"
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return "timed out"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return fmt.Sprintf("%s: %v", oe.Op, oe.Err)
	}
	return err.Error()
}

// isNetErr reports connection failures: timeouts, resets, EOF, closed connections, and
// a KDC that cannot be reached.
func isNetErr(err error) bool {
	var ke krberror.Krberror
	if errors.As(err, &ke) && ke.RootCause == krberror.NetworkingError {
		return true
	}
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}
