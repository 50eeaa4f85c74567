package siogin_test

import (
	"net/http"

	"github.com/gin-gonic/gin"

	siogin "github.com/gosio/gosio/adapters/gin"
	"github.com/gosio/gosio/core"
)

// The app's own middleware authenticates the handshake and stores the user
// with c.Set; socket handlers read it with siogin.MustGet.
func ExampleMount() {
	io := core.NewServer(nil)
	io.OnConnection(func(s *core.Socket) {
		user := siogin.MustGet[string](s, "user")
		s.On("hello", func(s *core.Socket, _ *core.Event) error {
			return s.Emit("hello", "hi "+user)
		})
	})

	r := gin.New()
	authed := r.Group("/", func(c *gin.Context) {
		if !core.IsHandshake(c.Request) {
			return // the session's follow-up requests were authenticated already
		}
		user, err := c.Cookie("user") // the app's real session check goes here
		if err != nil {
			c.AbortWithStatus(http.StatusUnauthorized) // a connect_error on the client
			return
		}
		c.Set("user", user)
	})
	siogin.Mount(authed, io) // /socket.io/ and /socket.io, every method
	_ = r.Run("127.0.0.1:8080")
}
