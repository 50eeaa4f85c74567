package siofiber_test

import (
	"context"
	"fmt"
	"github.com/gosio/gosio/client"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	siofiber "github.com/gosio/gosio/adapters/fiber"
	"github.com/gosio/gosio/core"
)

// The app's own middleware authenticates the handshake and stores the user
// in c.Locals; socket handlers read it with siofiber.MustGet.
func ExampleMount() {
	io := core.NewServer(nil)
	io.OnConnection(func(s *core.Socket) {
		user := siofiber.MustGet[string](s, "user")
		s.On("hello", func(s *core.Socket, _ *core.Event) error {
			return s.Emit("hello", "hi "+user)
		})
	})

	app := fiber.New(fiber.Config{IdleTimeout: time.Minute})
	authed := app.Group("/", func(c *fiber.Ctx) error {
		if !siofiber.IsHandshake(c) {
			return c.Next() // the session's follow-up requests were authenticated already
		}
		user := c.Cookies("user") // the app's real session check goes here
		if user == "" {
			return fiber.ErrUnauthorized // a connect_error on the client
		}
		c.Locals("user", user) // strings are copied at the handshake
		return c.Next()
	})
	siofiber.Mount(authed, io) // /socket.io/ and /socket.io, every method
	_ = app.Listen("127.0.0.1:8080")
}

// Get reads, typed, what the app's middleware stored with c.Locals at the
// handshake; ok is false for a key it did not store.
func ExampleGet() {
	io := core.NewServer(nil)
	got := make(chan string, 1)
	io.OnConnection(func(s *core.Socket) {
		user, ok := siofiber.Get[string](s, "user")
		_, hasRole := siofiber.Get[string](s, "role")
		got <- fmt.Sprintf("user %s %v, role %v", user, ok, hasRole)
	})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(func(c *fiber.Ctx) error {
		c.Locals("user", c.Get("X-User"))
		return c.Next()
	})
	siofiber.Mount(app, io)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	defer func() { _ = app.Shutdown() }()
	defer io.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "http://"+ln.Addr().String(), &client.Options{Header: http.Header{"X-User": {"ada"}}})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println(<-got)
	// Output: user ada true, role false
}
