//go:build linux

package engine

import (
	"errors"
	"net"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// rawConnOf returns the descriptor access of a plain TCP connection, or nil:
// a TLS or otherwise wrapped connection must be written through its Write.
// fasthttp hands a hijacked connection over in a wrapper that only changes
// reading and closing; its UnsafeConn is the connection written to.
func rawConnOf(nc net.Conn) syscall.RawConn {
	if u, ok := nc.(interface{ UnsafeConn() net.Conn }); ok {
		nc = u.UnsafeConn()
	}
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// rawSender makes non-blocking sends for one flusher goroutine. Its callback
// is bound once, so a send allocates nothing.
//
// The send is a raw system call (no entersyscall): it never blocks, and on a
// loaded core the scheduler would otherwise hand the P to another thread
// whenever one send outlasts a sysmon tick, which shows up as thread
// switches costing as much as the sends themselves (perf, fanout at 20/s on
// one core).
type rawSender struct {
	out []byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

func (r *rawSender) init() { r.fn = r.sendTo }

func (r *rawSender) sendTo(fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, fd,
			uintptr(unsafe.Pointer(unsafe.SliceData(r.out))), uintptr(len(r.out)),
			syscall.MSG_DONTWAIT|syscall.MSG_NOSIGNAL, 0, 0)
		switch e {
		case 0:
			r.n = int(n)
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			r.n = 0
		default:
			r.err = e
		}
		return true
	}
}

// send offers b to the connection without waiting and returns how much of
// it the socket took.
func (r *rawSender) send(rc syscall.RawConn, b []byte) (int, error) {
	r.out, r.n, r.err = b, 0, nil
	err := rc.Write(r.fn)
	r.out = nil
	if err == nil {
		err = r.err
	}
	return r.n, err
}

// sendNow writes as much of b as the socket takes at once; the caller holds
// w.wmu. A write deadline left by an earlier blocking write has no meaning
// for a send that does not wait, so an expired one is cleared.
func (w *wsConn) sendNow(r *rawSender, b []byte) (int, error) {
	n, err := r.send(w.raw, b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if err = w.nc.SetWriteDeadline(time.Time{}); err == nil {
			n, err = r.send(w.raw, b)
		}
	}
	return n, err
}
