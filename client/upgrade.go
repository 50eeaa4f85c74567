package client

import (
	"context"
	"fmt"
	"time"

	"github.com/gosio/gosio/core/engine"
)

// upgrade moves a polling connection to WebSocket, as Engine.IO 4 does it:
// open a WebSocket with the session id, send "2probe", expect "3probe",
// let the polling transport go idle (the server answers the pending GET
// with a noop once it saw the probe; no POST may be in flight), send "5",
// and carry on over the WebSocket. A failed probe leaves the connection on
// polling; a failure after the switch began closes it.
func (e *engineConn) upgrade() {
	defer e.wg.Done()
	ctx, cancel := context.WithTimeoutCause(e.ctx, e.o.Timeout, ErrTimeout)
	defer cancel()
	wt, err := dialWebSocket(ctx, e.o, e.base, e.hs.SID)
	if err != nil {
		return // stay on polling
	}
	wt.writeWait = e.timeout
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		wt.close()
		return
	}
	e.probe = wt
	e.mu.Unlock()
	if !e.probeWS(ctx, wt) {
		e.mu.Lock()
		e.probe = nil
		e.mu.Unlock()
		wt.close()
		return
	}

	e.mu.Lock()
	e.paused = true
	e.cond.Broadcast()
	for !e.closed && (e.writing || !e.pollerDone) {
		e.cond.Wait()
	}
	if e.closed {
		e.mu.Unlock()
		return // close closed the probe
	}
	e.mu.Unlock()

	// Nobody else writes now: the writer is paused.
	if err := wt.write(e.ctx, []engine.Packet{{Type: engine.PacketUpgrade}}); err != nil {
		e.close(ReasonTransportError, fmt.Errorf("socket.io client: upgrade: %w", err))
		return
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	old := e.tr
	e.tr, e.probe, e.paused = wt, nil, false
	e.cond.Broadcast()
	e.mu.Unlock()
	old.close()
	e.h.onUpgrade(e, TransportWebSocket)
	e.readWS(wt)
}

// probeWS sends the probe ping and waits for its pong.
func (e *engineConn) probeWS(ctx context.Context, wt *wsTransport) bool {
	if err := wt.write(ctx, []engine.Packet{{Type: engine.PacketPing, Data: []byte("probe")}}); err != nil {
		return false
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = wt.conn.SetReadDeadline(dl)
	}
	p, err := wt.read()
	_ = wt.conn.SetReadDeadline(time.Time{})
	return err == nil && p.Type == engine.PacketPong && string(p.Data) == "probe"
}
