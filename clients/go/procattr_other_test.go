//go:build !linux

package diskdb_test

import "os/exec"

// dieWithParent has no portable equivalent of Linux's Pdeathsig; elsewhere a
// test process killed before its cleanup can leave its server running.
func dieWithParent(cmd *exec.Cmd) {}
