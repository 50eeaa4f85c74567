package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gosio/gosio/core/parser"
)

// Connect connects the socket (opening the manager's connection if need
// be) and waits until the server accepted it. It returns nil at once when
// the socket is connected. It returns a *ConnectError when the server
// refused the namespace, ErrReconnectFailed when the reconnection attempts
// ran out, the connection's error when reconnection is off, ErrClosed once
// the manager closed, ErrDisconnected when Disconnect interrupted it, and
// ctx's error (joined with the last connection error, if any) when ctx
// ended first: then a socket this call made active stops trying.
//
// Once connected, the socket reconnects by itself after a lost connection
// until Disconnect.
func (s *Socket) Connect(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.connected {
		s.mu.Unlock()
		return nil
	}
	ch := make(chan error, 1)
	s.waiters = append(s.waiters, ch)
	activated := !s.active
	s.active = true
	s.mu.Unlock()
	if activated {
		e, err := s.m.activate()
		if err != nil {
			s.giveUp(err)
			return err
		}
		if e != nil {
			s.onOpen(e)
		}
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
	}
	s.mu.Lock()
	for i, w := range s.waiters {
		if w == ch {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			break
		}
	}
	last := s.lastErr
	s.mu.Unlock()
	select {
	case err := <-ch: // it came meanwhile
		return err
	default:
	}
	if activated {
		s.Disconnect()
	}
	if last != nil {
		return fmt.Errorf("socket.io client: connect: %w (last error: %w)", ctx.Err(), last)
	}
	return ctx.Err()
}

// Disconnect disconnects the socket: the server gets a DISCONNECT packet,
// the disconnect handlers get ReasonIOClientDisconnect, and the socket
// stops reconnecting. The manager closes its connection once no socket
// uses it. Emits made while disconnected are kept for the next Connect, up
// to SendBufferSize. Disconnect on a disconnected socket stops its
// connection attempts.
func (s *Socket) Disconnect() {
	s.disconnect(ErrDisconnected, false)
	s.m.socketInactive()
}

// Close disconnects the socket and, when Dial made its manager, closes the
// manager (see Manager.Close): the way to end a socket from Dial. Close
// always returns nil.
func (s *Socket) Close() error {
	if s.owner {
		return s.m.Close()
	}
	s.Disconnect()
	return nil
}

// disconnect ends the socket from this side; with final (the manager
// closes) it also fails what waits in the buffers.
func (s *Socket) disconnect(waitErr error, final bool) {
	s.mu.Lock()
	was := s.connected
	if s.connected && s.eng != nil {
		if msgs, err := s.m.encode(&parser.Packet{Type: parser.Disconnect, Nsp: s.nsp}); err == nil {
			_ = s.eng.send(msgs, false)
		}
	}
	s.connected, s.active = false, false
	s.id, s.eng, s.connecting = "", nil, nil
	acks := s.takeAcksLocked(final)
	waiters := s.waiters
	s.waiters = nil
	var queue []*retryItem
	if final {
		s.closed = true
		s.sendBuf = nil
		queue = s.queue
		s.queue = nil
	}
	s.mu.Unlock()
	for _, w := range waiters {
		w <- waitErr
	}
	ackErr := ErrDisconnected
	if final {
		ackErr = ErrClosed
	}
	for _, a := range acks {
		a.fn(nil, ackErr)
	}
	for _, it := range queue {
		if it.done != nil {
			it.done(nil, ErrClosed)
		}
	}
	if was {
		s.emitDisconnect(ReasonIOClientDisconnect)
	}
}

// takeAcksLocked removes the pending acks whose packet was sent (all of
// them with all) and stops their timers.
func (s *Socket) takeAcksLocked(all bool) []*pendingAck {
	var out []*pendingAck
	for id, a := range s.acks {
		if a.buffered && !all {
			continue
		}
		delete(s.acks, id)
		if a.timer != nil {
			a.timer.Stop()
		}
		out = append(out, a)
	}
	return out
}

// onOpen sends the socket's CONNECT on a connection that just opened.
func (s *Socket) onOpen(e *engineConn) {
	s.mu.Lock()
	if !s.active || s.connected || s.connecting == e {
		s.mu.Unlock()
		return
	}
	s.connecting = e
	pid, offset := s.pid, s.offset
	s.mu.Unlock()
	auth, err := s.auth(e)
	if err == nil {
		auth, err = connectPayload(auth, pid, offset)
	}
	if err != nil {
		s.connectError(err, true)
		return
	}
	msgs, err := s.m.encode(&parser.Packet{Type: parser.Connect, Nsp: s.nsp, Data: auth})
	if err != nil {
		s.connectError(err, true)
		return
	}
	_ = e.send(msgs, false) // a failure closes the connection: the loop retries
}

// auth returns the CONNECT payload: AuthFunc's result, or Auth.
func (s *Socket) auth(e *engineConn) (any, error) {
	if s.opts.AuthFunc == nil {
		return s.opts.Auth, nil
	}
	ctx, cancel := context.WithTimeout(e.ctx, s.m.o.Timeout)
	defer cancel()
	return s.opts.AuthFunc(ctx)
}

// connectPayload is auth as a JSON object, with the private id and offset
// of connection state recovery added when there is a session to recover.
func connectPayload(auth any, pid, offset string) (any, error) {
	if auth == nil && pid == "" {
		return nil, nil
	}
	obj := map[string]json.RawMessage{}
	if auth != nil {
		b, err := json.Marshal(auth)
		if err != nil {
			return nil, fmt.Errorf("socket.io client: auth: %w", err)
		}
		if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
			return nil, errors.New("socket.io client: auth must marshal to a JSON object")
		}
	}
	if pid != "" {
		if _, ok := obj["pid"]; !ok {
			obj["pid"], _ = json.Marshal(pid)
		}
		if _, ok := obj["offset"]; !ok {
			obj["offset"], _ = json.Marshal(offset)
		}
	}
	return obj, nil
}
