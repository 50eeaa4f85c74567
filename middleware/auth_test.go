package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/gosio/gosio/core"
	"github.com/gosio/gosio/core/parser"
	"github.com/gosio/gosio/internal/siotest"
	"github.com/gosio/gosio/middleware"
)

var errBadSignature = errors.New("bad signature")

// checkToken is the app's token check of these tests.
func checkToken(ctx context.Context, token string) (string, error) {
	if ctx == nil {
		return "", errors.New("no context")
	}
	switch token {
	case "good":
		return "alice", nil
	case "expired":
		return "", core.NewConnectError("token expired", map[string]any{"retry": false})
	}
	return "", errBadSignature
}

func TestAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   middleware.AuthOptions[string]
		header http.Header
		auth   any
		// want is the connect_error payload, "" when the socket connects.
		want    string
		wantErr error // matched with errors.Is on the chain's error
		user    string
	}{
		{name: "auth payload", auth: map[string]any{"token": "good"}, user: "alice"},
		{name: "bearer header", header: http.Header{"Authorization": {"bearer good"}}, user: "alice"},
		{
			name:   "cookie",
			opts:   middleware.AuthOptions[string]{Sources: []middleware.TokenSource{middleware.FromCookie("session")}},
			header: http.Header{"Cookie": {"theme=dark; session=good"}},
			user:   "alice",
		},
		{
			name: "custom field",
			opts: middleware.AuthOptions[string]{Sources: []middleware.TokenSource{middleware.FromAuth("jwt")}},
			auth: map[string]any{"jwt": "good", "token": "bad"},
			user: "alice",
		},
		{name: "payload before header", header: http.Header{"Authorization": {"Bearer good"}}, auth: map[string]any{"token": "bad"},
			want: `{"message":"unauthorized"}`, wantErr: errBadSignature},
		{name: "no token", want: `{"message":"unauthorized"}`, wantErr: middleware.ErrNoToken},
		{name: "token not a string", auth: map[string]any{"token": 42}, want: `{"message":"unauthorized"}`, wantErr: middleware.ErrNoToken},
		{name: "basic scheme", header: http.Header{"Authorization": {"Basic Z29vZA=="}}, want: `{"message":"unauthorized"}`, wantErr: middleware.ErrNoToken},
		{
			name:    "refused with message and data",
			opts:    middleware.AuthOptions[string]{Message: "denied", Data: map[string]any{"code": 401}},
			auth:    map[string]any{"token": "forged"},
			want:    `{"data":{"code":401},"message":"denied"}`,
			wantErr: errBadSignature,
		},
		{name: "validator's connect error", auth: map[string]any{"token": "expired"}, want: `{"data":{"retry":false},"message":"token expired"}`},
		{name: "optional without token", opts: middleware.AuthOptions[string]{Optional: true}},
		{name: "optional with bad token", opts: middleware.AuthOptions[string]{Optional: true}, auth: map[string]any{"token": "x"},
			want: `{"message":"unauthorized"}`, wantErr: errBadSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, url := newServer(t, nil)
			tc.opts.Validate = checkToken
			chainErr := make(chan error, 1)
			seen := make(chan string, 4)
			report := func(where string, s *core.Socket) {
				u, ok := middleware.User[string](s)
				seen <- fmt.Sprintf("%s:%s:%v", where, u, ok)
			}
			srv.Use(func(next core.ConnectHandler) core.ConnectHandler {
				return func(s *core.Socket) error {
					err := next(s)
					chainErr <- err
					return err
				}
			}, middleware.Auth(tc.opts), core.ConnectFunc(func(s *core.Socket) error {
				report("middleware", s)
				return nil
			}))
			srv.OnConnection(func(s *core.Socket) {
				s.On("whoami", func(s *core.Socket, e *core.Event) error {
					u, ok := middleware.User[string](s)
					return e.Ack(u, ok)
				})
				s.OnDisconnect(func(s *core.Socket, _ string) { report("disconnect", s) })
			})

			c := siotest.Dial(t, url, tc.header)
			p := c.Connect("/", tc.auth)
			err := recv(t, chainErr)
			if tc.want != "" {
				if p.Type != parser.ConnectError || string(p.Raw) != tc.want {
					t.Fatalf("got %v %s, want connect_error %s", p.Type, p.Raw, tc.want)
				}
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Errorf("chain error %v, want %v", err, tc.wantErr)
				}
				var ae *middleware.AuthError
				if tc.wantErr != nil && !errors.As(err, &ae) {
					t.Errorf("chain error %T, want *AuthError", err)
				}
				return
			}
			if p.Type != parser.Connect || err != nil {
				t.Fatalf("got %v %s (chain error %v), want connect", p.Type, p.Raw, err)
			}
			found := tc.user != ""
			want := fmt.Sprintf("%s:%v", tc.user, found)
			if got := recv(t, seen); got != "middleware:"+want {
				t.Errorf("in a later middleware: %s, want %s", got, want)
			}
			c.Emit("/", 1, "whoami")
			if got := c.ExpectAck(1); !reflect.DeepEqual(got, []any{tc.user, found}) {
				t.Errorf("in an event handler: %v", got)
			}
			c.Close()
			if got := recv(t, seen); got != "disconnect:"+want {
				t.Errorf("in a disconnect handler: %s, want %s", got, want)
			}
		})
	}
}

func TestAuthUserType(t *testing.T) {
	t.Parallel()
	type claims struct{ Sub string }
	srv, url := newServer(t, nil)
	srv.Use(middleware.Auth(middleware.AuthOptions[*claims]{
		Validate: func(context.Context, string) (*claims, error) { return &claims{Sub: "u1"}, nil },
	}))
	got := make(chan string, 1)
	srv.OnConnection(func(s *core.Socket) {
		_, wrong := middleware.User[string](s)
		c, ok := middleware.User[*claims](s)
		got <- fmt.Sprintf("%v %v %s", wrong, ok, c.Sub)
	})
	c := siotest.Dial(t, url, nil)
	c.MustConnect("/", map[string]string{"token": "t"})
	if g := recv(t, got); g != "false true u1" {
		t.Errorf("got %q", g)
	}
}

func TestAuthPanicsWithoutValidate(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	middleware.Auth(middleware.AuthOptions[string]{})
}
