package siofiber

import (
	"context"
	"net"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/gosio/gosio/integration"
)

// TestFiberKeys: of the Locals, only Fiber's own entry (the user context) is
// left out: the app's values are copied whatever their key type.
func TestFiberKeys(t *testing.T) {
	t.Parallel()
	type appKey struct{}
	got := make(chan [2]map[any]any, 1)
	app := fiber.New()
	app.Server().MaxIdleWorkerDuration = 50 * time.Millisecond
	app.Get("/", func(c fiber.Ctx) error {
		c.SetContext(context.WithValue(c.Context(), appKey{}, "in the context"))
		c.Locals("user", "alice")
		c.Locals(appKey{}, 1)
		got <- [2]map[any]any{
			integration.UserValues(c.RequestCtx(), isFiberKey),
			integration.UserValues(c.RequestCtx(), nil),
		}
		return nil
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true})
	}()
	defer func() {
		if err := app.ShutdownWithTimeout(5 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-done
	}()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	var vals [2]map[any]any
	select {
	case vals = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("handler not called")
	}
	if want := map[any]any{"user": "alice", appKey{}: 1}; !reflect.DeepEqual(vals[0], want) {
		t.Errorf("copied %v, want %v", vals[0], want)
	}
	if len(vals[1]) != 3 {
		t.Errorf("all Locals: %v, want the app's two and Fiber's user context", vals[1])
	}
}
