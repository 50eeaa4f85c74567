//go:build !unix

package e2e

import "os/exec"

// killGroupOnCancel leaves cmd as it is: only node is killed on cancel.
func killGroupOnCancel(*exec.Cmd) {}
