//go:build !linux || 386

package engine

import (
	"errors"
	"net"
	"syscall"
)

// rawConnOf returns nil: outside Linux (and on linux/386) every WebSocket
// session writes from a writer goroutine of its own (see flusher).
func rawConnOf(net.Conn, bool) syscall.RawConn { return nil }

type rawSender struct{}

func (*rawSender) init() {}

var errNoRawSend = errors.New("engine: no raw sends on this platform")

func (w *wsConn) sendNow(*rawSender, []byte) (int, error) { return 0, errNoRawSend }
