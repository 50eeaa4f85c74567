package sioredis

import (
	"fmt"
	"sync"
)

// serverSideEvent reads a server-side emit's packet (its JSON arguments,
// the event name first): the name and the arguments after it; ok is false
// when the packet is not such a list.
func serverSideEvent(packet any) (event string, args []any, ok bool) {
	arr, ok := fromJSONArgs(packet).([]any)
	if !ok || len(arr) == 0 {
		return "", nil, false
	}
	event, ok = arr[0].(string)
	if !ok {
		return "", nil, false
	}
	return event, arr[1:], true
}

// serverSideAck is the acknowledgement handed to a server-side event's
// handler when the requester waits for one (reqID set; nil otherwise). Its
// first call encodes its first argument and passes it to send (present
// false when there is none); later calls do nothing. An argument that
// cannot be encoded goes to report and nothing is sent.
func serverSideAck(reqID string, report func(error), send func(arg any, present bool)) func(args ...any) {
	if reqID == "" {
		return nil
	}
	var once sync.Once
	return func(args ...any) {
		once.Do(func() {
			if len(args) == 0 {
				send(nil, false)
				return
			}
			t, err := toTree(args[0])
			if err != nil {
				report(fmt.Errorf("sioredis: server-side acknowledgement: %w", err))
				return
			}
			send(t, true)
		})
	}
}
