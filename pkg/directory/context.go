package directory

import "context"

type deferKey struct{}

// DeferStoredDN tells Add that the caller does not need the stored DN of an entry whose
// RDN the server generates (ipaUniqueID=autogenerate): the LDAP backend then skips the
// search that finds it, and Add returns the DN as sent. The plan engine uses this and
// looks the entry up by name only if it has to roll the add back.
func DeferStoredDN(ctx context.Context) context.Context {
	return context.WithValue(ctx, deferKey{}, true)
}

// StoredDNDeferred reports whether ctx carries DeferStoredDN.
func StoredDNDeferred(ctx context.Context) bool {
	v, _ := ctx.Value(deferKey{}).(bool)
	return v
}
