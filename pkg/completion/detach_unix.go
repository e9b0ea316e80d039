//go:build unix

package completion

import (
	"os/exec"
	"syscall"
)

// detach puts the child in its own session so the shell's job control and a Ctrl-C at
// the prompt do not reach it.
func detach(c *exec.Cmd) { c.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
