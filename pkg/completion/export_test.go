package completion

import "github.com/accessctl/accessctl/pkg/cmdutil"

type CmdutilFactory = cmdutil.Factory
