package core

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/gosio/gosio/core/engine"
	"github.com/gosio/gosio/core/parser"
)

// socket.io-client 2.x: the Socket.IO protocol 4 over Engine.IO 3, for the
// sessions of engine.Options.AllowEIO3. Its packets are encoded as in
// protocol 5; what differs is how namespaces are joined, as Node's server
// does for these clients:
//
//   - the main namespace "/" is joined as soon as the session opens, with
//     an empty auth: the client sends no CONNECT for it;
//   - a CONNECT for another namespace carries the client's query string in
//     the namespace ("/admin?token=abc"); its parameters are the socket's
//     auth, as a JSON object of strings;
//   - the CONNECT answer has no payload, and a connect middleware's error
//     is answered with its Data, or else its message, as the payload of the
//     CONNECT_ERROR (the client emits it as "error");
//   - a socket's id is the Engine.IO session id on "/", and
//     "<namespace>#<session id>" elsewhere, which is what the client takes
//     for socket.id.

// isEIO3 reports whether the client's session speaks Engine.IO 3.
func (c *client) isEIO3() bool { return c.sess.Protocol() == engine.Protocol3 }

// connectMain joins the main namespace of an Engine.IO 3 client.
func (c *client) connectMain() {
	c.connect(&parser.Packet{Type: parser.Connect, Nsp: "/"})
}

// splitNamespace3 splits the namespace of an Engine.IO 3 client's packet
// into the namespace and the auth its query string gives (nil without a
// query). Later values of a repeated parameter win, as with
// Object.fromEntries in Node.
func splitNamespace3(nsp string) (string, json.RawMessage) {
	name, query, ok := strings.Cut(nsp, "?")
	if !ok {
		return nsp, nil
	}
	if name == "" {
		name = "/"
	}
	vals, _ := url.ParseQuery(query)
	auth := make(map[string]string, len(vals))
	for k, v := range vals {
		auth[k] = v[len(v)-1]
	}
	b, err := json.Marshal(auth)
	if err != nil {
		return name, nil
	}
	return name, b
}

// socketID3 is the id of an Engine.IO 3 client's socket in namespace nsp.
func socketID3(nsp, sid string) string {
	if nsp == "/" {
		return sid
	}
	return nsp + "#" + sid
}

// connectError3 sends an Engine.IO 3 client the CONNECT_ERROR for a connect
// middleware's err: its Data when it has some, else its message.
func (c *client) connectError3(nsp string, err error) {
	var data any = err.Error()
	var ce *ConnectError
	if errors.As(err, &ce) {
		data = ce.Message
		if ce.Data != nil {
			data = ce.Data
		}
	}
	p := &parser.Packet{Type: parser.ConnectError, Nsp: nsp, Data: data}
	if c.writePacket(p, false) != nil {
		// Data of a shape a CONNECT_ERROR cannot carry (a number, say).
		p.Data = err.Error()
		_ = c.writePacket(p, false)
	}
}
