//go:build !linux

package engine

// idlePoller parks idle connections on Linux only (poller_linux.go);
// elsewhere each idle WebSocket waits on a goroutine of its own.
type idlePoller struct{}

func (*idlePoller) park(*Session, *wsConn) bool   { return false }
func (*idlePoller) take(*wsConn) (*Session, bool) { return nil, false }
func (*idlePoller) stop()                         {}
func (*idlePoller) running() bool                 { return false }
