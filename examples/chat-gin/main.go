// Command chat-gin is the gosio chat demo on Gin: rooms, typing indicator,
// history on join and connection state recovery, with the nickname taken
// from the app's own session middleware through c.Set.
//
//	cd examples && go run ./chat-gin
//
// then open http://127.0.0.1:8080 in two browsers.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	siogin "github.com/gosio/gosio/adapters/gin"
	"github.com/gosio/gosio/core"
	chatweb "github.com/gosio/gosio/examples/chat-web"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()

	// The socket handlers read the user that the session middleware stored
	// with c.Set("user", …) at the handshake.
	io := chatweb.NewServer(func(s *core.Socket) string { return siogin.MustGet[string](s, "user") })

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.GET("/", func(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", chatweb.Index) })
	r.POST("/login", login)
	r.POST("/logout", func(c *gin.Context) {
		c.SetCookie(chatweb.CookieName, "", -1, "/", "", false, true)
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.GET("/me", session, func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"user": c.MustGet("user")}) })

	// The socket endpoint checks the session at the handshake only: the
	// later requests of an Engine.IO session carry its sid.
	sockets := r.Group("/", func(c *gin.Context) {
		if core.IsHandshake(c.Request) {
			session(c)
		}
	})
	siogin.Mount(sockets, io)

	// The Socket.IO Admin UI, for logged-in users only: the page here, its
	// /admin connection through the socket endpoint's check above.
	adminUI, stopAdmin := chatweb.AdminUI(io)
	defer stopAdmin()
	r.GET(chatweb.AdminPath+"*any", session, gin.WrapH(adminUI))

	srv := &http.Server{Addr: *addr, Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	log.Printf("chat (Gin) on http://%s (Admin UI at %s, after login)", *addr, chatweb.AdminPath)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	<-ctx.Done()
	stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = io.Close(ctx) // disconnects the sockets, ending their requests
	_ = srv.Shutdown(ctx)
}

// session is the app's auth middleware: the user of a valid session cookie
// goes into the context with c.Set; without one the request gets a 401,
// which the browser client sees as a connect_error.
func session(c *gin.Context) {
	cookie, _ := c.Cookie(chatweb.CookieName)
	user, ok := chatweb.User(cookie)
	if !ok {
		c.AbortWithStatus(http.StatusUnauthorized)
		return
	}
	c.Set("user", user)
}

// login sets the session cookie for the nickname of the login form.
func login(c *gin.Context) {
	value, err := chatweb.Login(c.PostForm("name"))
	if err != nil {
		c.Redirect(http.StatusSeeOther, "/?error="+url.QueryEscape(err.Error()))
		return
	}
	c.SetSameSite(http.SameSiteLaxMode)
	c.SetCookie(chatweb.CookieName, value, 0, "/", "", false, true)
	c.Redirect(http.StatusSeeOther, "/")
}
