package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"cpr/register"
)

// openOffline opens DATA/register for a command that runs while the
// server is stopped, and for serve itself. A register another process
// holds (a running "cpr serve") is named as such instead of Pebble's
// lock error.
func openOffline(cmd, data string, o register.Options) (*register.Register, error) {
	dir := filepath.Join(data, "register")
	reg, err := register.Open(dir, o)
	if err != nil && heldElsewhere(err) {
		return nil, fmt.Errorf("%s: the register in %s is held by another process, most likely a running cpr serve: "+
			"stop it first, or use the HTTP API while it runs", cmd, data)
	}
	return reg, err
}

// heldElsewhere reports whether err is Pebble's failure to lock the
// register's LOCK file: held by another process (EAGAIN from fcntl on
// Linux; EACCES is left alone, it is also what a directory without write
// permission gives) or by this one.
func heldElsewhere(err error) bool {
	return errors.Is(err, syscall.EAGAIN) ||
		strings.Contains(err.Error(), "lock held by current process")
}

// mustHoldRegister refuses a data directory without a register: reading
// commands would otherwise create an empty one and report on nothing.
func mustHoldRegister(cmd, data string) error {
	dir := filepath.Join(data, "register")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(entries) == 0) {
		return fmt.Errorf("%s: no register in %s (cpr serve or cpr load makes one; is --data or CPR_DATA right?)", cmd, data)
	}
	return err
}
