// Package ptytest runs a command with its stdout on a pseudo-terminal of a given
// size, for tests of what accessctl prints on a terminal.
package ptytest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// Run runs cmd with stdout on a terminal cols columns wide (stdin and stderr stay as
// the caller set them) and returns what it printed there, with the terminal's
// "\r\n" line ends turned back into "\n".
func Run(cmd *exec.Cmd, cols int) (string, error) {
	master, slave, err := open()
	if err != nil {
		return "", err
	}
	defer master.Close()
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: uint16(cols), Row: 50}); err != nil {
		slave.Close()
		return "", fmt.Errorf("set terminal size: %w", err)
	}
	cmd.Stdout = slave
	if err := cmd.Start(); err != nil {
		slave.Close()
		return "", err
	}
	slave.Close() // the child holds it; EOF (EIO) on the master once the child exits
	var out bytes.Buffer
	_, rerr := io.Copy(&out, master)
	var pe *os.PathError
	if rerr != nil && !(errors.As(rerr, &pe) && errors.Is(pe.Err, syscall.EIO)) {
		_ = cmd.Wait()
		return "", rerr
	}
	err = cmd.Wait()
	return string(bytes.ReplaceAll(out.Bytes(), []byte("\r\n"), []byte("\n"))), err
}

// open makes a new pseudo-terminal pair (posix_openpt, unlockpt, ptsname).
func open() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open pty: %w", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("pty number: %w", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("open pty %d: %w", n, err)
	}
	return master, slave, nil
}
