// Package conventions embeds the site conventions shipped with accessctl (ITTN-010).
package conventions

import _ "embed"

// Default is ITTN-010's conventions as YAML.
//
//go:embed ittn-010.yaml
var Default []byte

// DefaultName is the file name shown as the source of the embedded conventions.
const DefaultName = "built-in ITTN-010 (conventions/ittn-010.yaml)"
