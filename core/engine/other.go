package engine

import (
	"context"
	"net/http"

	"github.com/valyala/fasthttp"
)

// ServeOther serves, with the server's CORS policy, a request that is not
// an Engine.IO one but shares its path: the client files a Socket.IO server
// serves beside the transports. An OPTIONS preflight is answered (204) when
// CORS is configured; any other request gets the CORS headers, as an
// Engine.IO response would, and is handed to fn, which writes the response.
func (s *Server) ServeOther(req Request, res Response, fn func(Request, Response)) {
	if c := s.opts.CORS; c != nil {
		if req.Method() == http.MethodOptions {
			c.preflight(req, res)
			return
		}
		c.apply(req, res.Header())
	}
	fn(req, res)
}

// ServeOtherHTTP is ServeOther on net/http.
func (s *Server) ServeOtherHTTP(w http.ResponseWriter, r *http.Request, fn func(Request, Response)) {
	s.ServeOther(&httpRequest{r: r}, &httpResponse{ResponseWriter: w}, fn)
}

// ServeOtherFastHTTP is ServeOther on fasthttp.
func (s *Server) ServeOtherFastHTTP(rc *fasthttp.RequestCtx, fn func(Request, Response)) {
	s.ServeOther(&fastRequest{rc: rc, ctx: context.Background()}, &fastResponse{rc: rc, h: http.Header{}}, fn)
}
