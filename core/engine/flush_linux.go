//go:build linux && !386

// linux/386 has no sendto system call of its own (it goes through
// socketcall); it uses writer goroutines, as in flush_other.go.

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
// reading and closing (hijacked is true then); its UnsafeConn is the
// connection written to. The unwrapped connection is for sends only: the
// wrapper may hold bytes already read.
func rawConnOf(nc net.Conn, hijacked bool) syscall.RawConn {
	if u, ok := nc.(hijackWrapper); ok && hijacked {
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
// one core). A raw system call cannot be preempted, so one copies at most
// maxRawSend bytes.
type rawSender struct {
	out []byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

const maxRawSend = 256 << 10

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
			r.err = os.NewSyscallError("sendto", e)
		}
		return true
	}
}

// send offers b to the connection without waiting, in sends of at most
// maxRawSend bytes, and returns how much of it the socket took.
func (r *rawSender) send(rc syscall.RawConn, b []byte) (int, error) {
	total := 0
	for total < len(b) {
		chunk := b[total:min(len(b), total+maxRawSend)]
		r.out, r.n, r.err = chunk, 0, nil
		err := rc.Write(r.fn)
		r.out = nil
		if err == nil {
			err = r.err
		}
		total += r.n
		if err != nil || r.n < len(chunk) {
			return total, err
		}
	}
	return total, nil
}

// sendNow writes as much of b as the socket takes at once; the caller holds
// w.wmu. A write deadline left by an earlier blocking write has no meaning
// for a send that does not wait, so an expired one is cleared, unless
// shutdown set it.
func (w *wsConn) sendNow(r *rawSender, b []byte) (int, error) {
	if w.closed {
		return 0, net.ErrClosed
	}
	n, err := r.send(w.raw, b)
	if errors.Is(err, os.ErrDeadlineExceeded) && !w.closing.Load() {
		if err = w.nc.SetWriteDeadline(time.Time{}); err == nil {
			var m int
			m, err = r.send(w.raw, b[n:])
			n += m
		}
	}
	return n, err
}
