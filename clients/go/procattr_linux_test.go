package diskdb_test

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel stop the server if the test process dies
// without running its cleanup (a go test -timeout panic, a closed output
// pipe), so no server outlives its test run.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
