package core

import "github.com/gosio/gosio/core/engine"

// clientSession is a client as the engine sees it: the SessionHandler that
// engineHandler.OnOpen returns, so that each message reaches its client
// through the engine's typed seam (no per-message type assertion). Its
// methods are called by the engine only, sequentially for one session.
type clientSession client

var _ engine.SessionHandler = (*clientSession)(nil)

func (c *clientSession) OnMessage(m engine.Message) { (*client)(c).onMessage(m) }

func (c *clientSession) OnClose(reason string, _ error) {
	(*client)(c).onClose(reason)
	c.srv.observeConn(c.sess, reason, false)
}
