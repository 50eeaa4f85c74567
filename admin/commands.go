package admin

import (
	"github.com/gosio/gosio/core"
)

// registerCommands handles the UI's commands on an admin socket. Each acts
// on the whole cluster through the target namespace's adapter, on every
// socket of the namespace or those in the filter room (a socket id targets
// one socket).
func (a *Admin) registerCommands(s *core.Socket) {
	s.On("emit", func(s *core.Socket, e *core.Event) error {
		// emit(nsp, filter, event, ...args)
		args, err := e.Values()
		if err != nil || len(args) < 3 {
			return nil
		}
		nsp, _ := args[0].(string)
		ev, ok := args[2].(string)
		if !ok {
			return nil
		}
		return a.target(nsp, args[1]).Emit(ev, args[3:]...)
	})
	s.On("join", func(s *core.Socket, e *core.Event) error {
		// join(nsp, room, filter?)
		nsp, room, filter, ok := roomArgs(e)
		if !ok {
			return nil
		}
		return a.target(nsp, filter).SocketsJoin(room)
	})
	s.On("leave", func(s *core.Socket, e *core.Event) error {
		nsp, room, filter, ok := roomArgs(e)
		if !ok {
			return nil
		}
		return a.target(nsp, filter).SocketsLeave(room)
	})
	s.On("_disconnect", func(s *core.Socket, e *core.Event) error {
		// _disconnect(nsp, close, filter?)
		args, err := e.Values()
		if err != nil || len(args) < 1 {
			return nil
		}
		nsp, _ := args[0].(string)
		var close bool
		var filter any
		if len(args) > 1 {
			close, _ = args[1].(bool)
		}
		if len(args) > 2 {
			filter = args[2]
		}
		return a.target(nsp, filter).DisconnectSockets(close)
	})
}

// target selects the sockets of namespace nsp, in the filter's rooms when
// there is a filter (a room name or a list of them).
func (a *Admin) target(nsp string, filter any) core.BroadcastOperator {
	n := a.srv.Of(nsp)
	var rooms []string
	switch f := filter.(type) {
	case string:
		if f != "" {
			rooms = []string{f}
		}
	case []any:
		for _, r := range f {
			if r, ok := r.(string); ok {
				rooms = append(rooms, r)
			}
		}
	}
	if len(rooms) == 0 {
		return n.Except() // every socket of the namespace
	}
	return n.To(rooms...)
}

func roomArgs(e *core.Event) (nsp, room string, filter any, ok bool) {
	args, err := e.Values()
	if err != nil || len(args) < 2 {
		return "", "", nil, false
	}
	nsp, _ = args[0].(string)
	room, ok = args[1].(string)
	if len(args) > 2 {
		filter = args[2]
	}
	return nsp, room, filter, ok
}
