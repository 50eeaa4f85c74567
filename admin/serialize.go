package admin

import (
	"encoding/json"

	"github.com/gosio/gosio/core"
)

// serializedSocket is a socket as the UI reads it (Node's serialize()).
type serializedSocket struct {
	ID        string         `json:"id"`
	ClientID  string         `json:"clientId,omitempty"`
	Transport string         `json:"transport,omitempty"`
	Nsp       string         `json:"nsp"`
	Data      any            `json:"data"`
	Handshake map[string]any `json:"handshake"`
	Rooms     []string       `json:"rooms"`
}

// serializeLocal describes a socket of this server.
func serializeLocal(s *core.Socket, rooms []string) serializedSocket {
	ad := adminData(s)
	return serializedSocket{
		ID:        s.ID(),
		ClientID:  ad["clientId"].(string),
		Transport: ad["transport"].(string),
		Nsp:       s.Namespace().Name(),
		Data:      serializeData(s.Data()),
		Handshake: serializeHandshake(s.Handshake()),
		Rooms:     nonNil(rooms),
	}
}

// serializeRemote describes a socket FetchSockets found, on this server or
// another (gosio or Node), whose data carries the "_admin" object.
func serializeRemote(nsp string, r *core.RemoteSocket) serializedSocket {
	if s, ok := r.Local(); ok {
		return serializeLocal(s, r.Rooms())
	}
	out := serializedSocket{
		ID:        r.ID(),
		Nsp:       nsp,
		Handshake: serializeHandshake(r.Handshake()),
		Rooms:     nonNil(r.Rooms()),
		Data:      map[string]any{},
	}
	var data any
	if r.DecodeData(&data) == nil {
		if m, ok := data.(map[string]any); ok {
			if ad, ok := m["_admin"].(map[string]any); ok {
				out.ClientID, _ = ad["clientId"].(string)
				out.Transport, _ = ad["transport"].(string)
			}
			delete(m, "_admin")
			out.Data = m
		} else if data != nil {
			out.Data = data
		}
	}
	return out
}

// serializeData returns a socket's data as the UI shows it: the JSON value,
// without "_admin"; {} when there is none (Node's default data).
func serializeData(v any) any {
	if v == nil {
		return map[string]any{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{}
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return map[string]any{}
	}
	if m, ok := out.(map[string]any); ok {
		delete(m, "_admin")
	}
	return out
}

// serializeHandshake is the handshake in Node's shape, without its auth
// (the UI's password must not travel back), and with the address a proxy
// reported when there is one.
func serializeHandshake(h *core.Handshake) map[string]any {
	out := map[string]any{}
	if h == nil {
		return out
	}
	b, err := json.Marshal(h)
	if err != nil || json.Unmarshal(b, &out) != nil {
		return map[string]any{}
	}
	delete(out, "auth")
	if ip := h.Header.Get("Cf-Connecting-Ip"); ip != "" {
		out["address"] = ip
	} else if ip := h.Header.Get("X-Forwarded-For"); ip != "" {
		out["address"] = ip
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
