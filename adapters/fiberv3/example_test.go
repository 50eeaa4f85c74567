package siofiber_test

import (
	"time"

	"github.com/gofiber/fiber/v3"

	siofiber "github.com/gosio/gosio/adapters/fiberv3"
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
	authed := app.Group("/", func(c fiber.Ctx) error {
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
