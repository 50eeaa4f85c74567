package middleware_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/internal/siotest"
	"github.com/gosio/gosio/middleware"
)

type chat struct {
	Text string `json:"text"`
	Blob []byte `json:"blob,omitempty"`
}

var errNoText = errors.New("text is required")

func (c chat) Validate() error {
	if c.Text == "" {
		return errNoText
	}
	return nil
}

type score struct{ N int }

func (s *score) Validate() error {
	if s.N < 0 {
		return errors.New("negative score")
	}
	return nil
}

func TestValidate(t *testing.T) {
	t.Parallel()
	invalid := []any{map[string]any{"error": "invalid payload"}}
	tests := []struct {
		name    string
		event   string
		args    []any
		noAck   bool
		want    []any // the ack
		handled bool
		errIs   error // matched against the error core reports; nil for none
		decode  bool  // the reported error is a decoding one
	}{
		{name: "bind valid", event: "bind", args: []any{map[string]any{"text": "hi"}}, want: []any{"HI", 0.0}, handled: true},
		{name: "bind binary", event: "bind", args: []any{map[string]any{"text": "b", "blob": []byte{1, 2}}}, want: []any{"B", 2.0}, handled: true},
		{name: "bind wrong type", event: "bind", args: []any{"not an object"}, want: invalid, decode: true},
		{name: "bind missing", event: "bind", want: invalid, decode: true},
		{name: "bind fails Validate", event: "bind", args: []any{map[string]any{"text": ""}},
			want: []any{map[string]any{"error": "text is required"}}, errIs: errNoText},
		{name: "bind without ack", event: "bind", args: []any{map[string]any{}}, noAck: true, errIs: errNoText},
		{name: "decorator valid", event: "score", args: []any{map[string]any{"N": 3}}, want: []any{3.0}, handled: true},
		{name: "decorator pointer Validate", event: "score", args: []any{map[string]any{"N": -1}},
			want: []any{map[string]any{"error": "negative score"}}},
		{name: "decorator wrong type", event: "score", args: []any{map[string]any{"N": "x"}}, want: invalid, decode: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reported := make(chan error, 1)
			srv, url := newServer(t, &core.Options{OnError: func(_ *core.Socket, err error) { reported <- err }})
			handled := make(chan bool, 1)
			srv.OnConnection(func(s *core.Socket) {
				s.On("bind", middleware.Bind(func(s *core.Socket, e *core.Event, c chat) error {
					handled <- true
					return e.Ack(strings.ToUpper(c.Text), len(c.Blob))
				}))
				s.On("score", middleware.Validate[score](core.HandleAck(func(s *core.Socket, v score) (int, error) {
					handled <- true
					return v.N, nil
				})))
				s.On("sync", func(s *core.Socket, e *core.Event) error { return e.Ack() })
			})
			c := siotest.Dial(t, url, nil)
			c.MustConnect("/", nil)
			id := 1
			if tc.noAck {
				id = -1
			}
			c.Emit("/", id, tc.event, tc.args...)
			if !tc.noAck {
				if got := c.ExpectAck(1); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("ack %#v, want %#v", got, tc.want)
				}
			}
			// Events run in order: once "sync" is acked, the first one is done.
			c.Emit("/", 2, "sync")
			c.ExpectAck(2)
			if got := len(handled) == 1; got != tc.handled {
				t.Errorf("handler ran: %v, want %v", got, tc.handled)
			}
			var err error
			select {
			case err = <-reported:
			default:
			}
			if tc.handled {
				if err != nil {
					t.Errorf("reported %v", err)
				}
				return
			}
			var ve *middleware.ValidationError
			if !errors.As(err, &ve) || ve.Event != tc.event || ve.Decode != tc.decode {
				t.Fatalf("reported %#v, want a ValidationError for %q (decode %v)", err, tc.event, tc.decode)
			}
			if tc.errIs != nil && !errors.Is(err, tc.errIs) {
				t.Errorf("reported %v, want it to wrap %v", err, tc.errIs)
			}
			// The server logs it as a bad payload (debug level).
			var de *core.DecodeError
			if !errors.As(err, &de) || de.Event != tc.event {
				t.Errorf("reported %v, want it to wrap a *core.DecodeError", err)
			}
		})
	}
}
