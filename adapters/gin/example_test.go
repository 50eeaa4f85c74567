package siogin_test

import (
	"context"
	"fmt"
	"github.com/gosio/gosio/client"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

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

// Get reads, typed, what the app's middleware stored with c.Set at the
// handshake; ok is false for a key it did not store.
func ExampleGet() {
	gin.SetMode(gin.ReleaseMode)
	io := core.NewServer(nil)
	got := make(chan string, 1)
	io.OnConnection(func(s *core.Socket) {
		user, ok := siogin.Get[string](s, "user")
		_, hasRole := siogin.Get[string](s, "role")
		got <- fmt.Sprintf("user %s %v, role %v", user, ok, hasRole)
	})
	r := gin.New()
	siogin.Mount(r.Group("/", func(c *gin.Context) { c.Set("user", c.GetHeader("X-User")) }), io)
	hs := httptest.NewServer(r)
	defer hs.Close()
	defer io.Close(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, hs.URL, &client.Options{Header: http.Header{"X-User": {"ada"}}})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println(<-got)
	// Output: user ada true, role false
}
