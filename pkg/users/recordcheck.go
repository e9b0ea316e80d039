package users

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/accessctl/accessctl/pkg/directory"
	"github.com/accessctl/accessctl/pkg/ipa"
)

// Restorable lists, per kind of entry (from its container), the attributes in which
// `user reinstate` may put the record's user back: the references offboarding removes
// from groups, roles, hostgroups (membership managers), HBAC and sudo rules (users,
// run-as users). Nothing else in a record is ever applied: a record is evidence of what
// one offboarding did, not a script.
var Restorable = map[string][]string{
	"group":     {"member", "memberManager"},
	"role":      {"member"},
	"hostgroup": {"memberManager"},
	"hbacrule":  {"memberUser"},
	"sudorule":  {"memberUser", "ipaSudoRunAs"},
}

// mirrored are the reference attributes the memberOf plugin reflects on the user
// (FreeIPA's memberofgroupattr): the record's before-state memberof must show them.
var mirrored = map[string]bool{"member": true, "memberuser": true}

// RecordError is an item of an offboarding record that reinstate refuses. It names the
// item by its place in the record (removed[2], before.nsaccountlock...), never by its
// content.
type RecordError struct {
	Item   string
	Reason string
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("refusing the record: %s %s", e.Item, e.Reason)
}

// CheckRecord accepts a record only when everything reinstate would apply from it
// restores the record's own user: its DN is the user's, its lock state is a lock state,
// every removed reference is the user's DN in an attribute of Restorable on an entry of
// that kind (a membership also shown by the record's before-state memberof), SSH keys
// restored are keys the user had, and token states are token states.
func CheckRecord(r *Record, suffix string) error {
	if !directory.EqualDN(r.DN, ipa.UserDN(r.Login, suffix)) {
		return &RecordError{Item: "dn", Reason: "is not the DN of the record's login in this directory"}
	}
	if !lockState(r.Before.NSAccountLock) {
		return &RecordError{Item: "before.nsaccountlock", Reason: "is not a lock state (one value, TRUE or FALSE)"}
	}
	for i, rm := range r.Removed {
		item := fmt.Sprintf("removed[%d]", i)
		if !directory.EqualDN(rm.Value, r.DN) {
			return &RecordError{Item: item, Reason: "names another entry than the record's user"}
		}
		kind := KindOf(rm.DN, suffix)
		attrs, ok := Restorable[kind]
		if !ok {
			return &RecordError{Item: item, Reason: "is not on a group, role, hostgroup, HBAC rule or sudo rule of this directory"}
		}
		if !containsFold(attrs, rm.Attr) {
			return &RecordError{Item: item, Reason: "is not a reference offboarding removes from a " + kind + " (" + strings.Join(attrs, ", ") + ")"}
		}
		if rm.Kind != kind {
			return &RecordError{Item: item, Reason: "gives a kind that does not match its entry (" + kind + ")"}
		}
		if kind != "hbacrule" && kind != "sudorule" && !strings.EqualFold(rm.Name, directory.RDNValue(rm.DN)) {
			return &RecordError{Item: item, Reason: "gives a name that does not match its entry"}
		}
		if !printable(rm.Name, 255) {
			return &RecordError{Item: item, Reason: "gives a name with control characters or over 255 bytes"}
		}
		if mirrored[strings.ToLower(rm.Attr)] && !directory.HasDN(r.Before.MemberOf, rm.DN) {
			return &RecordError{Item: item, Reason: "is a membership the record's before-state (memberof) does not show"}
		}
	}
	for i, k := range r.SSHKeysRemoved {
		if !printable(k, 16384) || !contains(r.Before.SSHPubKeys, k) {
			return &RecordError{Item: fmt.Sprintf("ssh_keys_removed[%d]", i), Reason: "is not one of the user's keys in the record's before-state"}
		}
	}
	for i, tc := range r.TokensDisabled {
		if !lockState(tc.Before) {
			return &RecordError{Item: fmt.Sprintf("tokens_disabled[%d]", i), Reason: "has a before-state that is not TRUE or FALSE"}
		}
	}
	return nil
}

// lockState: absent, or one value TRUE or FALSE (nsAccountLock, ipatokenDisabled).
func lockState(vals []string) bool {
	return len(vals) == 0 || (len(vals) == 1 && (strings.EqualFold(vals[0], "TRUE") || strings.EqualFold(vals[0], "FALSE")))
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// printable: valid text without control characters, at most max bytes.
func printable(s string, max int) bool {
	if len(s) > max || !utf8.ValidString(s) {
		return false
	}
	return strings.IndexFunc(s, unicode.IsControl) < 0
}
