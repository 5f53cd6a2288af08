//go:build !unix

package main

import "errors"

// fileLimit is not known here; the connection cap takes its floor.
func fileLimit() (uint64, error) { return 0, errors.New("serve: no open-file limit on this system") }
