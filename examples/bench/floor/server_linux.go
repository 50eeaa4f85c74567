//go:build linux && !386

package main

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// maxFrame bounds what a client may send in one WebSocket frame.
const maxFrame = 1 << 20

// server holds the open connections. Every send happens under mu, so a
// descriptor is never written after its connection was dropped and closed.
type server struct {
	mu    sync.Mutex
	conns []*conn
	next  int
}

type conn struct {
	nc  net.Conn
	fd  uintptr
	idx int // position in server.conns, -1 once dropped
}

func newServer() http.Handler { return &server{} }

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.URL.Path != "/socket.io/" || q.Get("EIO") != "4" || q.Get("transport") != "websocket" ||
		!strings.EqualFold(r.Header.Get("Upgrade"), "websocket") ||
		r.Header.Get("Sec-WebSocket-Version") != "13" || r.Header.Get("Sec-WebSocket-Key") == "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"code":3,"message":"Bad request"}`)
		return
	}
	sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	nc, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer nc.Close()
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return
	}
	_, _ = rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n")
	if rw.Flush() != nil {
		return
	}
	c := &conn{nc: nc}
	rc, err := tc.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) { c.fd = fd })

	s.mu.Lock()
	s.next++
	sid := strconv.Itoa(s.next)
	c.idx = len(s.conns)
	s.conns = append(s.conns, c)
	s.mu.Unlock()
	defer s.drop(c)

	if !s.sendOne(c, frame(nil, 0x1,
		`0{"sid":"`+sid+`","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`)) {
		return
	}
	var out []byte
	for {
		op, p, err := readFrame(rw.Reader)
		if err != nil {
			return
		}
		switch op {
		case 0x1:
			if !s.packet(c, string(p), &out) {
				return
			}
		case 0x8: // close
			return
		case 0x9: // ping
			if !s.sendOne(c, frame(nil, 0xA, p)) {
				return
			}
		}
	}
}

var errFrame = errors.New("floor: unsupported WebSocket frame")

// readFrame reads one whole, masked, unfragmented client frame.
func readFrame(br *bufio.Reader) (op byte, p []byte, err error) {
	var h [8]byte
	if _, err = io.ReadFull(br, h[:2]); err != nil {
		return 0, nil, err
	}
	if h[0]&0x80 == 0 || h[1]&0x80 == 0 {
		return 0, nil, errFrame
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		if _, err = io.ReadFull(br, h[:2]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(h[:2]))
	case 127:
		if _, err = io.ReadFull(br, h[:8]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(h[:8])
	}
	if n > maxFrame {
		return 0, nil, errFrame
	}
	var mask [4]byte
	if _, err = io.ReadFull(br, mask[:]); err != nil {
		return 0, nil, err
	}
	p = make([]byte, n)
	if _, err = io.ReadFull(br, p); err != nil {
		return 0, nil, err
	}
	for i := range p {
		p[i] ^= mask[i&3]
	}
	return h[0] & 0xf, p, nil
}

// frame appends one unmasked, final server frame of opcode op to b.
func frame[T string | []byte](b []byte, op byte, payload T) []byte {
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|op, byte(n))
	case n < 1<<16:
		b = append(b, 0x80|op, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|op, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

// packet handles one Engine.IO packet; false ends the connection.
func (s *server) packet(c *conn, p string, out *[]byte) bool {
	switch {
	case p == "2":
		return s.sendOne(c, frame(nil, 0x1, "3"))
	case p == "3": // pong
		return true
	case p == "40" || strings.HasPrefix(p, "40{"):
		return s.sendOne(c, frame(nil, 0x1, `40{"sid":"floor"}`))
	case strings.HasPrefix(p, "42"):
		return s.event(c, p[2:], out)
	}
	return false // anything else is beyond the contract
}

// event handles `[ackid]["name",args...]` on "/".
func (s *server) event(c *conn, p string, out *[]byte) bool {
	start := time.Now()
	i := strings.IndexByte(p, '[')
	if i < 0 {
		return false
	}
	id := p[:i]
	if _, err := strconv.ParseUint(id, 10, 64); id != "" && err != nil {
		return false
	}
	var args []json.RawMessage
	var name string
	if json.Unmarshal([]byte(p[i:]), &args) != nil || len(args) < 2 || json.Unmarshal(args[0], &name) != nil {
		return false
	}
	switch name {
	case "bench:echo":
		return id == "" || s.sendOne(c, frame(nil, 0x1, "43"+id+"["+string(args[1])+"]"))
	case "bench:broadcast":
		var req struct {
			N    int   `json:"n"`
			Size int   `json:"size"`
			TS   int64 `json:"ts"`
		}
		if json.Unmarshal(args[1], &req) != nil || req.N < 0 || req.N > 1e6 || req.Size < 0 || req.Size > 1e6 {
			return false
		}
		pad := strings.Repeat("x", req.Size)
		var msg []byte
		for i := 0; i < req.N; i++ {
			ts := req.TS + time.Since(start).Microseconds()
			msg = append(msg[:0], `42["bench:msg",{"i":`...)
			msg = strconv.AppendInt(msg, int64(i), 10)
			msg = append(msg, `,"ts":`...)
			msg = strconv.AppendInt(msg, ts, 10)
			msg = append(msg, `,"p":"`...)
			msg = append(msg, pad...)
			msg = append(msg, `"}]`...)
			*out = frame((*out)[:0], 0x1, msg)
			s.sendAll(*out)
		}
		return id == "" || s.sendOne(c, frame(nil, 0x1, "43"+id+"["+strconv.Itoa(req.N)+"]"))
	}
	return false
}

// sendAll offers f to every connection; one that does not take it whole is
// dropped.
func (s *server) sendAll(f []byte) {
	var failed []*conn
	s.mu.Lock()
	for _, c := range s.conns {
		if !sendto(c.fd, f) {
			failed = append(failed, c)
		}
	}
	s.mu.Unlock()
	for _, c := range failed {
		s.drop(c)
	}
}

// sendOne offers f to c; false when c is gone or did not take it whole.
func (s *server) sendOne(c *conn, f []byte) bool {
	s.mu.Lock()
	ok := c.idx >= 0 && sendto(c.fd, f)
	s.mu.Unlock()
	if !ok {
		s.drop(c)
	}
	return ok
}

// drop removes c from the set and closes it, once.
func (s *server) drop(c *conn) {
	s.mu.Lock()
	if c.idx < 0 {
		s.mu.Unlock()
		return
	}
	last := s.conns[len(s.conns)-1]
	s.conns[c.idx], last.idx = last, c.idx
	s.conns[len(s.conns)-1] = nil
	s.conns = s.conns[:len(s.conns)-1]
	c.idx = -1
	s.mu.Unlock()
	_ = c.nc.Close()
}

// sendto makes one non-blocking send of all of f; the caller holds
// server.mu and the connection is in the set (so fd is open).
func sendto(fd uintptr, f []byte) bool {
	for {
		n, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, fd,
			uintptr(unsafe.Pointer(unsafe.SliceData(f))), uintptr(len(f)),
			syscall.MSG_DONTWAIT|syscall.MSG_NOSIGNAL, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		return e == 0 && int(n) == len(f)
	}
}
