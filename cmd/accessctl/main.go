// Command accessctl governs FreeIPA access by the site's conventions.
package main

import (
	"os"

	"github.com/accessctl/accessctl/internal/accessctl"
)

func main() { os.Exit(accessctl.Main()) }
