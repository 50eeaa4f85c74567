package engine

import (
	"bufio"
	"bytes"
	"net"
	"testing"
	"time"
)

// sinkConn is a net.Conn that records what is written to it and has
// nothing to read.
type sinkConn struct {
	net.Conn
	out bytes.Buffer
}

func (c *sinkConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *sinkConn) SetWriteDeadline(time.Time) error { return nil }

// maskFrame builds a masked client frame, for the seed corpus.
func maskFrame(b0 byte, payload []byte) []byte {
	key := [4]byte{1, 2, 3, 4}
	f := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n < 1<<16:
		f = append(f, 0x80|126, byte(n>>8), byte(n))
	default:
		f = append(f, 0x80|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	f = append(f, key[:]...)
	for i, c := range payload {
		f = append(f, c^key[i&3])
	}
	return f
}

// FuzzReadMessage feeds arbitrary bytes to the WebSocket frame reader, with
// a small read limit: it must never panic, return a message over the limit
// or one of another opcode than text or binary, and what it answers the
// peer must be whole control frames.
func FuzzReadMessage(f *testing.F) {
	f.Add(maskFrame(0x81, []byte("4hello")))
	f.Add(append(maskFrame(0x01, []byte("4he")), append(maskFrame(0x89, []byte("p")), maskFrame(0x80, []byte("llo"))...)...))
	f.Add(maskFrame(0x82, bytes.Repeat([]byte{7}, 300)))
	f.Add(maskFrame(0x88, []byte{0x03, 0xe8, 'b', 'y', 'e'}))
	f.Add(maskFrame(0x81, bytes.Repeat([]byte("x"), 70000)))
	f.Add([]byte{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'})
	f.Add([]byte{0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, in []byte) {
		sink := &sinkConn{}
		w := &wsConn{nc: sink, writeTimeout: time.Second, readLimit: 1024}
		br := bufio.NewReaderSize(bytes.NewReader(in), 4096)
		for i := 0; i < 64; i++ {
			op, msg, err := w.readMessage(br)
			if err != nil {
				break
			}
			if op != opText && op != opBinary {
				t.Fatalf("message of opcode %d", op)
			}
			if int64(len(msg)) > w.readLimit {
				t.Fatalf("message of %d bytes past the %d limit", len(msg), w.readLimit)
			}
		}
		// Every answer is a whole unmasked control frame; nothing follows
		// a close.
		out := sink.out.Bytes()
		for len(out) > 0 {
			if len(out) < 2 {
				t.Fatalf("truncated frame header % x", out)
			}
			op, n := out[0]&0x0f, int(out[1]&0x7f)
			if out[0]&0x80 == 0 || out[1]&0x80 != 0 || n > 125 || (op != opPong && op != opClose) {
				t.Fatalf("bad answer frame % x", out[:2])
			}
			if len(out) < 2+n {
				t.Fatalf("truncated answer frame")
			}
			out = out[2+n:]
			if op == opClose && len(out) > 0 {
				t.Fatalf("% x after a close frame", out)
			}
		}
	})
}
