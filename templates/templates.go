// Package templates embeds the text templates accessctl renders: object descriptions,
// the FreeIPA tree LDIF, runbooks and `ipa` command emission.
package templates

import "embed"

// FS holds every *.tmpl file of this directory.
//
//go:embed *.tmpl
var FS embed.FS
