package middleware_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
	"github.com/gosio/gosio/internal/siotest"
	"github.com/gosio/gosio/middleware"
)

type requestIDKey struct{}

func TestLogging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		payloads bool
		level    slog.Level
		// msgs are the records expected, in order, each as
		// "level msg k=v k=v" with only the keys it names checked.
		msgs []string
	}{
		{
			name:  "debug",
			level: slog.LevelDebug,
			msgs: []string{
				"INFO socket.io: connect transport=websocket",
				"DEBUG socket.io: event in event=echo ack=true args=<nil>",
				"DEBUG socket.io: event out event=echoed args=<nil>",
				"DEBUG socket.io: event in event=fail ack=false",
				"WARN socket.io: event error event=fail err=nope",
				"INFO socket.io: disconnect reason=transport close",
			},
		},
		{
			name:     "payloads",
			level:    slog.LevelDebug,
			payloads: true,
			msgs: []string{
				"INFO socket.io: connect",
				`DEBUG socket.io: event in event=echo args=[{"secret":"s3"}]`,
				"DEBUG socket.io: event out event=echoed args=[map[secret:s3]]",
				"DEBUG socket.io: event in event=fail",
				"WARN socket.io: event error event=fail",
				"INFO socket.io: disconnect",
			},
		},
		{
			name:  "info",
			level: slog.LevelInfo,
			msgs: []string{
				"INFO socket.io: connect",
				"WARN socket.io: event error event=fail err=nope",
				"INFO socket.io: disconnect reason=transport close",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, url := newServer(t, &core.Options{OnError: func(*core.Socket, error) {}})
			logs := make(logRecords, 64)
			logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: tc.level}))
			srv.Use(middleware.LoggingWith(middleware.LoggingOptions{Logger: logger, Payloads: tc.payloads}))
			srv.OnConnection(func(s *core.Socket) {
				s.On("echo", func(s *core.Socket, e *core.Event) error {
					var v any
					if err := e.Decode(0, &v); err != nil {
						return err
					}
					if err := s.Emit("echoed", v); err != nil {
						return err
					}
					return e.Ack()
				})
				s.On("fail", func(*core.Socket, *core.Event) error { return errors.New("nope") })
			})
			c := siotest.Dial(t, url, nil)
			sid := c.MustConnect("/", nil)
			c.Emit("/", 1, "echo", map[string]any{"secret": "s3"})
			c.ExpectEvent()
			c.ExpectAck(1)
			c.Emit("/", -1, "fail")
			c.Close()

			recs := logs.until(t, "socket.io: disconnect")
			if len(recs) != len(tc.msgs) {
				t.Fatalf("got %d records, want %d: %v", len(recs), len(tc.msgs), recs)
			}
			for i, want := range tc.msgs {
				rec := recs[i]
				if rec["sid"] != sid || rec["nsp"] != "/" {
					t.Errorf("record %d: sid %v nsp %v, want %s /", i, rec["sid"], rec["nsp"], sid)
				}
				checkRecord(t, rec, want)
			}
			connect, disconnect := recs[0], recs[len(recs)-1]
			if addr, _ := connect["remote_addr"].(string); addr != "127.0.0.1" {
				t.Errorf("remote_addr %v", connect["remote_addr"])
			}
			if _, ok := connect["request_id"]; ok {
				t.Errorf("request_id %v without one", connect["request_id"])
			}
			if _, ok := disconnect["duration"].(float64); !ok {
				t.Errorf("duration %v", disconnect["duration"])
			}
		})
	}
}

// checkRecord compares a record with "LEVEL msg k=v ..."; v "<nil>" means
// the key must be absent.
func checkRecord(t *testing.T, rec map[string]any, want string) {
	t.Helper()
	level, rest, _ := strings.Cut(want, " ")
	if rec["level"] != level {
		t.Errorf("%v: level %v, want %s", rec, rec["level"], level)
	}
	fields := strings.Split(rest, " ")
	msg := []string{}
	for len(fields) > 0 && !strings.Contains(fields[0], "=") {
		msg = append(msg, fields[0])
		fields = fields[1:]
	}
	if m := strings.Join(msg, " "); rec["msg"] != m {
		t.Errorf("%v: msg %v, want %s", rec, rec["msg"], m)
	}
	// Values may hold spaces ("transport close"): rejoin until the next k=.
	var kvs []string
	for _, f := range fields {
		if strings.Contains(f, "=") || len(kvs) == 0 {
			kvs = append(kvs, f)
		} else {
			kvs[len(kvs)-1] += " " + f
		}
	}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		got, ok := rec[k]
		if v == "<nil>" {
			if ok {
				t.Errorf("%v: %s=%v, want none", rec, k, got)
			}
			continue
		}
		if s, isString := got.(string); isString {
			if s != v {
				t.Errorf("%v: %s=%q, want %q", rec, k, s, v)
			}
		} else if fmt.Sprint(got) != v {
			t.Errorf("%v: %s=%v, want %s", rec, k, got, v)
		}
	}
}

func TestLoggingRequestIDAndRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   middleware.LoggingOptions
		header http.Header
		deny   bool
		want   string
	}{
		{name: "no id", want: "INFO socket.io: connect request_id=<nil>"},
		{name: "header", header: http.Header{"X-Request-Id": {"h-1"}}, want: "INFO socket.io: connect request_id=h-1"},
		{name: "key", opts: middleware.LoggingOptions{RequestIDKey: requestIDKey{}}, header: http.Header{"X-Request-Id": {"h-1"}},
			want: "INFO socket.io: connect request_id=ctx-1"},
		{name: "framework key", opts: middleware.LoggingOptions{RequestIDKey: "requestid"},
			want: "INFO socket.io: connect request_id=fw-1"},
		{name: "extractor", opts: middleware.LoggingOptions{RequestID: func(s *core.Socket) string { return s.Handshake().Query.Get("rid") }},
			want: "INFO socket.io: connect request_id=q-1"},
		{name: "refused", deny: true, header: http.Header{"X-Request-Id": {"h-2"}},
			want: "WARN socket.io: connect refused request_id=h-2 err=go away transport=websocket"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := core.NewServer(nil)
			// What an integration does with the app's request context.
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctx := core.WithValues(r.Context(), map[any]any{"requestid": "fw-1"})
				ctx = context.WithValue(ctx, requestIDKey{}, "ctx-1")
				srv.ServeHTTP(w, r.WithContext(ctx))
			}))
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = srv.Close(ctx)
				hs.Close()
			})
			logger, logs := newLogger()
			tc.opts.Logger = logger
			srv.Use(middleware.LoggingWith(tc.opts), core.ConnectFunc(func(*core.Socket) error {
				if tc.deny {
					return core.NewConnectError("go away", nil)
				}
				return nil
			}))
			c := siotest.Dial(t, hs.URL+"/socket.io/?EIO=4&transport=websocket&rid=q-1", tc.header)
			p := c.Connect("/", nil)
			if (p.Type == parser.ConnectError) != tc.deny {
				t.Fatalf("connect: %v %s", p.Type, p.Raw)
			}
			msg := "socket.io: connect"
			if tc.deny {
				msg = "socket.io: connect refused"
			}
			checkRecord(t, logs.next(t, msg), tc.want)
		})
	}
}

// tagKey marks the event contexts of the tests.
type tagKey struct{}

// tagHandler adds the tag an event's context carries to the record.
type tagHandler struct{ slog.Handler }

func (h tagHandler) Handle(ctx context.Context, r slog.Record) error {
	if tag, ok := ctx.Value(tagKey{}).(string); ok {
		r.AddAttrs(slog.String("tag", tag))
	}
	return h.Handler.Handle(ctx, r)
}

func (h tagHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return tagHandler{h.Handler.WithAttrs(attrs)}
}

func (h tagHandler) WithGroup(name string) slog.Handler { return tagHandler{h.Handler.WithGroup(name)} }

// LogEvents logs the events of every socket, a recovered one included, with
// the event's context; with Logging on the same sockets each event is
// logged once.
func TestLogEvents(t *testing.T) {
	t.Parallel()
	srv, url := newServer(t, &core.Options{
		ConnectionStateRecovery: &core.ConnectionStateRecovery{},
		OnError:                 func(*core.Socket, error) {},
	})
	logs := make(logRecords, 64)
	logger := slog.New(tagHandler{slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})})
	srv.Use(middleware.Logging(logger))
	srv.UseEvents(
		func(next core.EventHandler) core.EventHandler { // what a tracing middleware does
			return func(s *core.Socket, e *core.Event) error {
				return next(s, e.WithContext(context.WithValue(e.Context(), tagKey{}, "t-"+e.Name)))
			}
		},
		middleware.LogEvents(middleware.LoggingOptions{Logger: logger, Payloads: true}),
	)
	srv.OnConnection(func(s *core.Socket) {
		s.On("echo", func(s *core.Socket, e *core.Event) error { return e.Ack() })
		s.On("fail", func(*core.Socket, *core.Event) error { return errors.New("nope") })
	})

	c := siotest.Dial(t, url, nil)
	p := c.Connect("/", nil)
	var first struct{ SID, PID string }
	if err := json.Unmarshal(p.Raw, &first); err != nil || first.PID == "" {
		t.Fatalf("CONNECT %s: %v", p.Raw, err)
	}
	// A broadcast gives the client an offset to recover from.
	if err := srv.Emit("welcome"); err != nil {
		t.Fatal(err)
	}
	welcome := c.ExpectEvent()
	offset, _ := welcome.Args[len(welcome.Args)-1].(string)
	c.Emit("/", 1, "echo", "hi")
	c.ExpectAck(1)
	c.Emit("/", -1, "fail")
	c.Close()
	recs := logs.until(t, "socket.io: disconnect")

	c2 := siotest.Dial(t, url, nil)
	p = c2.Connect("/", map[string]string{"pid": first.PID, "offset": offset})
	var again struct{ SID string }
	if err := json.Unmarshal(p.Raw, &again); err != nil || again.SID != first.SID {
		t.Fatalf("not recovered: %s", p.Raw)
	}
	c2.Emit("/", 2, "echo", "again")
	c2.ExpectAck(2)
	c2.Emit("/", -1, "fail")
	recs = append(recs, logs.until(t, "socket.io: event error")...)

	want := []string{
		"INFO socket.io: connect tag=<nil>",
		"DEBUG socket.io: event out event=welcome tag=<nil>", // a broadcast reaches the listener
		`DEBUG socket.io: event in event=echo ack=true args=["hi"] tag=t-echo`,
		"DEBUG socket.io: event in event=fail ack=false tag=t-fail",
		"WARN socket.io: event error event=fail err=nope tag=t-fail",
		"INFO socket.io: disconnect reason=transport close tag=<nil>",
		// The recovered socket: no connect record (Logging does not see
		// it), its events still logged.
		`DEBUG socket.io: event in event=echo ack=true args=["again"] tag=t-echo`,
		"DEBUG socket.io: event in event=fail ack=false tag=t-fail",
		"WARN socket.io: event error event=fail err=nope tag=t-fail",
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d: %v", len(recs), len(want), recs)
	}
	for i, w := range want {
		if recs[i]["sid"] != first.SID || recs[i]["nsp"] != "/" {
			t.Errorf("record %d: sid %v nsp %v, want %s /", i, recs[i]["sid"], recs[i]["nsp"], first.SID)
		}
		checkRecord(t, recs[i], w)
	}
	c2.ExpectNothing(20 * time.Millisecond)
	if n := len(logs); n != 0 {
		t.Errorf("%d more records: an event logged twice?", n)
	}
}
