package engine

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/fasthttp/websocket"
)

// The engine frames WebSocket messages itself (RFC 6455, server side, no
// extensions): fasthttp/websocket only answers the upgrade. Owning the reader
// lets an idle connection hold no read buffer at all (see readLoop); the
// writer already framed its batches itself.

// WebSocket opcodes.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

const (
	// wsReaderSize is the size of the pooled read buffers: one is borrowed
	// while a burst of frames is read. Payloads larger than what is buffered
	// are read straight into the message.
	wsReaderSize = 4 << 10
	// wsReadChunk bounds how much of a frame's announced length is allocated
	// before its bytes arrived.
	wsReadChunk = 32 << 10
	// wsControlWait bounds the writing of a control frame (pong, close).
	wsControlWait = time.Second
)

// wsReaders recycles the read buffers: an idle connection holds none.
var wsReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, wsReaderSize) }}

// errCloseSent: a close frame went out, no other frame may follow.
var errCloseSent = errors.New("engine: websocket close frame already sent")

// appendFrame appends p as one final, unmasked WebSocket frame: a text frame
// holding the type digit and Data, or for a binary message a binary frame
// holding Data.
func appendFrame(b []byte, p Packet) []byte {
	n := len(p.Data)
	op := byte(opBinary)
	if !p.Binary {
		n++
		op = opText
	}
	b = appendFrameHeader(b, op, n)
	if !p.Binary {
		b = append(b, '0'+byte(p.Type))
	}
	return append(b, p.Data...)
}

// appendFrameHeader appends the header of a final, unmasked frame of opcode
// op and n bytes of payload.
func appendFrameHeader(b []byte, op byte, n int) []byte {
	b = append(b, 0x80|op) // FIN
	switch {
	case n <= 125:
		return append(b, byte(n))
	case n <= 0xffff:
		return append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		return binary.BigEndian.AppendUint64(b, uint64(n))
	}
}

// readMessage reads the next data message from br: its opcode (opText or
// opBinary) and its unmasked payload, a new slice. On the way it answers
// pings, and a close frame, which ends the reading with a
// *websocket.CloseError. A message past the read limit ends it with
// websocket.ErrReadLimit, a protocol violation with another error; the peer
// then gets a close frame saying why (as fasthttp/websocket does).
//
// Only the reader goroutine calls it.
func (w *wsConn) readMessage(br *bufio.Reader) (byte, []byte, error) {
	var (
		msgOp byte // opcode of the message being assembled; 0 before its first frame
		msg   []byte
		total int64
	)
	for {
		h, err := br.Peek(2)
		if err != nil {
			return 0, nil, err
		}
		b0, b1 := h[0], h[1]
		_, _ = br.Discard(2)
		fin, op, masked := b0&0x80 != 0, b0&0x0f, b1&0x80 != 0
		n := int64(b1 & 0x7f)

		var bad string
		switch {
		case b0&0x70 != 0:
			bad = "reserved bits set"
		case !masked:
			bad = "bad MASK"
		case op >= opClose && op <= opPong:
			if n > 125 || !fin {
				bad = "bad control frame"
			}
		case op == opText || op == opBinary:
			if msgOp != 0 {
				bad = "data before FIN"
			}
		case op == opContinuation:
			if msgOp == 0 {
				bad = "continuation after FIN"
			}
		default:
			bad = "bad opcode " + strconv.Itoa(int(op))
		}
		if bad != "" {
			return 0, nil, w.protocolError(bad)
		}

		switch n {
		case 126:
			if h, err = br.Peek(2); err != nil {
				return 0, nil, err
			}
			n = int64(binary.BigEndian.Uint16(h))
			_, _ = br.Discard(2)
		case 127:
			if h, err = br.Peek(8); err != nil {
				return 0, nil, err
			}
			n = int64(binary.BigEndian.Uint64(h)) // negative when the top bit is set: past any limit
			_, _ = br.Discard(8)
		}
		if h, err = br.Peek(4); err != nil {
			return 0, nil, err
		}
		var key [4]byte
		copy(key[:], h)
		_, _ = br.Discard(4)

		if op >= opClose {
			if err := w.readControl(br, op, int(n), key); err != nil {
				return 0, nil, err
			}
			continue
		}

		total += n
		if n < 0 || total < 0 || (w.readLimit > 0 && total > w.readLimit) {
			_ = w.writeControl(opClose, websocket.FormatCloseMessage(websocket.CloseMessageTooBig, ""))
			return 0, nil, websocket.ErrReadLimit
		}
		if msgOp == 0 {
			msgOp = op
		}
		if msg, err = readPayload(br, msg, n, key); err != nil {
			return 0, nil, err
		}
		if fin {
			if msg == nil {
				msg = []byte{}
			}
			return msgOp, msg, nil
		}
	}
}

// readPayload appends n bytes of payload to msg and unmasks them. The slice
// grows as the bytes arrive, so a large announced length costs memory only
// once sent.
func readPayload(br *bufio.Reader, msg []byte, n int64, key [4]byte) ([]byte, error) {
	pos := 0
	for n > 0 {
		chunk := int(min(n, wsReadChunk))
		msg = slices.Grow(msg, chunk)
		start := len(msg)
		msg = msg[:start+chunk]
		if _, err := io.ReadFull(br, msg[start:]); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		pos = maskBytes(key, pos, msg[start:])
		n -= int64(chunk)
	}
	return msg, nil
}

// readControl reads the payload of a control frame and acts on it: a ping
// is answered, a pong ignored, a close answered with the same code and
// returned as a *websocket.CloseError.
func (w *wsConn) readControl(br *bufio.Reader, op byte, n int, key [4]byte) error {
	p, err := br.Peek(n) // n <= 125: fits in the buffer
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	defer func() { _, _ = br.Discard(n) }()
	maskBytes(key, 0, p)
	switch op {
	case opPing:
		_ = w.writeControl(opPong, p)
	case opClose:
		code, text := websocket.CloseNoStatusReceived, ""
		if n == 1 {
			return w.protocolError("bad close frame")
		}
		if n >= 2 {
			code, text = int(binary.BigEndian.Uint16(p)), string(p[2:])
			if !validCloseCode(code) {
				return w.protocolError("bad close code " + strconv.Itoa(code))
			}
			if !utf8.ValidString(text) {
				return w.protocolError("invalid utf8 payload in close frame")
			}
		}
		_ = w.writeControl(opClose, websocket.FormatCloseMessage(code, ""))
		return &websocket.CloseError{Code: code, Text: text}
	}
	return nil
}

// protocolError tells the peer (close 1002) and returns the error.
func (w *wsConn) protocolError(msg string) error {
	data := websocket.FormatCloseMessage(websocket.CloseProtocolError, msg)
	_ = w.writeControl(opClose, data[:min(len(data), 125)])
	return errors.New("websocket: " + msg)
}

// validCloseCode reports whether a peer may send code (RFC 6455 7.4).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	default:
		return code >= 3000 && code <= 4999
	}
}

// maskBytes applies the masking key to b, which starts at offset pos of the
// payload, and returns the offset after it (mod 4).
func maskBytes(key [4]byte, pos int, b []byte) int {
	i := 0
	if len(b) >= 16 {
		// Eight bytes at a time, the key rotated to start at pos.
		var k8 [8]byte
		for j := range k8 {
			k8[j] = key[(pos+j)&3]
		}
		kw := binary.NativeEndian.Uint64(k8[:])
		for ; i+8 <= len(b); i += 8 {
			binary.NativeEndian.PutUint64(b[i:], binary.NativeEndian.Uint64(b[i:])^kw)
		}
	}
	for ; i < len(b); i++ {
		b[i] ^= key[(pos+i)&3]
	}
	return (pos + len(b)) & 3
}

// writeControl writes one control frame, briefly bounded. Like every write
// on the connection it holds wmu, so it never interleaves with the writer's
// frames. After a close frame it writes nothing more. Only the reader
// goroutine calls it.
func (w *wsConn) writeControl(op byte, payload []byte) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.closed {
		return net.ErrClosed
	}
	return w.writeControlLocked(op, payload)
}

// writeControlLocked is writeControl with wmu held.
func (w *wsConn) writeControlLocked(op byte, payload []byte) error {
	if w.closeSent {
		return errCloseSent
	}
	if op == opClose {
		w.closeSent = true
	}
	b := appendFrameHeader(make([]byte, 0, 2+len(payload)), op, len(payload))
	b = append(b, payload...)
	_ = w.nc.SetWriteDeadline(time.Now().Add(min(w.writeTimeout, wsControlWait)))
	_, err := w.nc.Write(b)
	return err
}
