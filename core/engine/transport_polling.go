package engine

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	closePayload = []byte{'1'}
	noopPayload  = []byte{'6'}
	okBody       = []byte("ok")
)

// servePoll answers a polling GET: at once with everything queued (one
// payload), or when something gets queued, or with a noop when an upgrade
// takes over, or with a close packet when the session closes. A second
// concurrent GET is a protocol error: 400 and the session closes. A GET whose
// client goes away closes the session.
func (s *Session) servePoll(req Request, res Response) {
	s.mu.Lock()
	if s.transport != TransportPolling {
		s.mu.Unlock()
		writeError(res, errBadRequest)
		return
	}
	if s.getActive {
		s.closeLocked(ReasonTransportError, errGetOverlap)
		s.mu.Unlock()
		writeError(res, errBadRequest)
		return
	}
	s.getActive = true
	done := req.Context().Done()
	var (
		body       []byte
		finish     bool
		binaryBody bool // Engine.IO 3 only
	)
	for {
		state := sessionState(s.state.Load())
		if state == stateClosed {
			// The client that closed needs no close packet back (Node
			// answers its pending GET with a noop).
			body = s.controlPayload(closePayload)
			if s.clientClosed {
				body = s.controlPayload(noopPayload)
			}
			break
		}
		if s.probed || s.transport != TransportPolling {
			body = s.controlPayload(noopPayload)
			break
		}
		if len(s.queue) > 0 {
			q := s.takeQueueLocked(nil)
			if s.eio3 {
				body, binaryBody = s.pollPayload3(q)
				break
			}
			body = AppendPayload(make([]byte, 0, payloadSize(q)), q)
			break
		}
		if state == stateClosing {
			body = s.controlPayload(closePayload)
			finish = true
			break
		}
		wake := make(chan struct{})
		s.getWake = wake
		s.mu.Unlock()
		select {
		case <-wake:
			s.mu.Lock()
		case <-done:
			s.mu.Lock()
			if s.getWake == wake {
				s.getWake = nil
			}
			s.getActive = false
			s.closeLocked(ReasonTransportClose, req.Context().Err())
			s.mu.Unlock()
			return
		}
	}
	// The client may send its next GET as soon as it has this response.
	s.getActive = false
	s.mu.Unlock()

	s.pollingHeaders(req, res.Header())
	h := res.Header()
	if binaryBody {
		h.Set("Content-Type", "application/octet-stream")
	} else {
		h.Set("Content-Type", "text/plain; charset=UTF-8")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if err := s.writeBody(res, body); err != nil {
		s.closeNow(ReasonTransportError, err)
		return
	}
	if finish {
		s.finishGraceful()
	}
}

// payloadSize estimates the encoded size of q.
func payloadSize(q []Packet) int {
	n := 0
	for _, p := range q {
		if p.Binary {
			n += 2 + (len(p.Data)+2)/3*4
		} else {
			n += 2 + len(p.Data)
		}
	}
	return n
}

// servePost reads a polling POST: the payload is decoded whole before any
// packet is acted on, so a malformed payload delivers nothing. A payload is
// text: one that is not valid UTF-8 is malformed (binary messages travel as
// base64). POSTs of one session are serialized, so messages keep their order.
// A payload over MaxHTTPBufferSize is dropped with a bare 413 and the session
// left as it is (see writeTooLarge).
func (s *Session) servePost(req Request, res Response) {
	s.postMu.Lock()
	defer s.postMu.Unlock()
	binaryBody := strings.HasPrefix(req.Header("Content-Type"), "application/octet-stream")
	if binaryBody && !s.eio3 {
		s.closeNow(ReasonTransportError, errBinaryPost)
		writeError(res, errBadRequest)
		return
	}
	body, err := req.ReadBody(s.srv.opts.MaxHTTPBufferSize)
	if err != nil {
		if errors.Is(err, ErrPayloadTooLarge) {
			s.debug("payload too large", "err", err)
			writeTooLarge(res)
			return
		}
		s.closeNow(ReasonTransportClose, err)
		writeError(res, errBadRequest)
		return
	}
	var pkts []Packet
	if s.eio3 {
		err = decodePayload3(body, binaryBody, func(p Packet) error {
			pkts = append(pkts, p)
			return nil
		})
	} else if !utf8.Valid(body) {
		err = errInvalidUTF8
	} else {
		err = DecodePayload(body, func(p Packet) error {
			pkts = append(pkts, p)
			return nil
		})
	}
	if err != nil {
		s.debug("bad payload", "err", err)
		s.closeNow(ReasonParseError, err)
		writeError(res, errBadRequest)
		return
	}
	for _, p := range pkts {
		s.handlePacket(p)
	}
	s.pollingHeaders(req, res.Header())
	h := res.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", "2")
	_ = s.writeBody(res, okBody)
}

// writeTooLarge answers a POST over MaxHTTPBufferSize as Node's engine.io
// does: 413 with an empty body (the CORS headers already set stay, the
// Headers hook is not called). The session is not closed: the client learns
// of the 413 and closes it ("transport error" in engine.io-client), or the
// heartbeat does. Closing it here would answer the pending GET with a close
// packet, which the client could read before the 413 and report as a
// "transport close".
func writeTooLarge(res Response) {
	res.Header().Set("Content-Length", "0")
	res.WriteHeader(http.StatusRequestEntityTooLarge)
}

func (s *Session) pollingHeaders(req Request, h http.Header) {
	if s.srv.opts.Headers != nil {
		s.srv.opts.Headers(req, h)
	}
}

// writeBody writes a 200 response, bounded by WriteTimeout when res can. A
// write that fails after the handler returned (fasthttp) closes the session.
func (s *Session) writeBody(res Response, body []byte) error {
	if d, ok := res.(deadlineSetter); ok {
		_ = d.SetWriteDeadline(time.Now().Add(s.srv.opts.WriteTimeout))
	}
	if l, ok := res.(lateWriteErrors); ok {
		l.onWriteError(func(err error) { s.closeNow(ReasonTransportError, err) })
	}
	res.WriteHeader(http.StatusOK)
	_, err := res.Write(body)
	return err
}
