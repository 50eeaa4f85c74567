package admin_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"github.com/gosio/gosio/admin"
	"github.com/gosio/gosio/client"
	"github.com/gosio/gosio/integrationtest"
)

func hash(t *testing.T, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestInstrumentNeedsAuth(t *testing.T) {
	srv, _ := integrationtest.StartServer(t, nil)
	if _, err := admin.Instrument(srv, admin.Options{}); err == nil {
		t.Fatal("Instrument without Auth: no error")
	}
	if _, err := admin.Instrument(srv, admin.Options{Auth: admin.BasicAuth("admin", "not a hash")}); err == nil {
		t.Fatal("Instrument with a password that is no bcrypt hash: no error")
	}
}

func TestBasicAuth(t *testing.T) {
	_, _, url := instrumented(t, admin.Options{Auth: admin.BasicAuth("admin", hash(t, "s3cret"))})
	refused := []struct {
		name string
		auth any
	}{
		{"no auth (a non-admin client)", nil},
		{"wrong password", map[string]any{"username": "admin", "password": "wrong"}},
		{"wrong user", map[string]any{"username": "root", "password": "s3cret"}},
		{"unknown session", map[string]any{"sessionId": "0123456789abcdef"}},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := dial(t, url, "/admin", tc.auth)
			var cerr *client.ConnectError
			if !errors.As(err, &cerr) || cerr.Message != "invalid credentials" {
				t.Fatalf("got %v, want the connect error \"invalid credentials\"", err)
			}
		})
	}
	// The right password gives a session id, which then suffices.
	_, rec := mustDial(t, url, "/admin", map[string]any{"username": "admin", "password": "s3cret"})
	id := str(rec.next(t, "session", nil).args[0])
	if len(id) != 16 {
		t.Fatalf("session id %q: want 16 hex digits", id)
	}
	rec.next(t, "config", nil)
	mustDial(t, url, "/admin", map[string]any{"sessionId": id})
	// Other namespaces are not affected.
	mustDial(t, url, "/", nil)
}

func TestRedisStore(t *testing.T) {
	addr := startRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	store := admin.NewRedisStore(rdb, nil)
	_, _, url := instrumented(t, admin.Options{Auth: admin.BasicAuth("admin", hash(t, "pw")), Store: store})
	_, rec := mustDial(t, url, "/admin", map[string]any{"username": "admin", "password": "pw"})
	id := str(rec.next(t, "session", nil).args[0])
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Node's key, value and expiry.
	v, err := rdb.Get(ctx, "socket.io-admin#"+id).Result()
	if err != nil || v != "true" {
		t.Fatalf("GET socket.io-admin#%s = %q, %v; want \"true\"", id, v, err)
	}
	if ttl := rdb.TTL(ctx, "socket.io-admin#"+id).Val(); ttl <= 23*time.Hour || ttl > 24*time.Hour {
		t.Fatalf("TTL %v, want 24 h", ttl)
	}
	// A session another server saved (here: written as Node does) admits.
	rdb.Set(ctx, "socket.io-admin#feedfacecafebeef", "true", time.Hour)
	mustDial(t, url, "/admin", map[string]any{"sessionId": "feedfacecafebeef"})
}
