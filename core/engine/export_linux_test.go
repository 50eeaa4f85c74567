//go:build linux

package engine

func parkedIn(p *idlePoller, w *wsConn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.parked[w.tok]
	return ok && w.tok != 0
}
