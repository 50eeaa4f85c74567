//go:build !linux

package engine

import (
	"errors"
	"net"
	"syscall"
)

// rawConnOf returns nil: outside Linux every WebSocket session writes from a
// writer goroutine of its own (see flusher).
func rawConnOf(net.Conn) syscall.RawConn { return nil }

type rawSender struct{}

func (*rawSender) init() {}

var errNoRawSend = errors.New("engine: no raw sends on this platform")

func (w *wsConn) sendNow(*rawSender, []byte) (int, error) { return 0, errNoRawSend }
