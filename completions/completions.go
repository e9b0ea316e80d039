// Package completions holds the generated shell completion scripts for accessctl
// (bash, zsh, fish, PowerShell). Regenerate them, with the command reference and man
// pages, by `go generate ./completions` or `make generate`; `make check-generated`
// fails when they are stale.
package completions

//go:generate go run ../internal/gendocs -root ..
