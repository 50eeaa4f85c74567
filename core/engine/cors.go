package engine

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// wildcard reports whether any origin is allowed with "*".
func (c *CORS) wildcard() bool { return slices.Contains(c.Origins, "*") }

// allowed reports whether origin may access the server.
func (c *CORS) allowed(origin string) bool {
	if origin == "" {
		return false
	}
	if c.wildcard() {
		return true
	}
	if len(c.Origins) > 0 {
		return slices.Contains(c.Origins, origin)
	}
	return c.AllowOrigin != nil && c.AllowOrigin(origin)
}

// apply sets the headers of a simple (non-preflight) CORS response.
func (c *CORS) apply(r Request, h http.Header) {
	if c.wildcard() {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Add("Vary", "Origin")
		if origin := r.Header("Origin"); c.allowed(origin) {
			h.Set("Access-Control-Allow-Origin", origin)
		}
	}
	if c.Credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(c.ExposedHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposedHeaders, ","))
	}
}

// preflight answers an OPTIONS request with 204 and the CORS headers.
func (c *CORS) preflight(r Request, res Response) {
	h := res.Header()
	c.apply(r, h)
	h.Set("Access-Control-Allow-Methods", strings.Join(c.Methods, ","))
	if len(c.AllowedHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowedHeaders, ","))
	} else if req := r.Header("Access-Control-Request-Headers"); req != "" {
		h.Add("Vary", "Access-Control-Request-Headers")
		h.Set("Access-Control-Allow-Headers", req)
	}
	if c.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.FormatInt(int64(c.MaxAge.Seconds()), 10))
	}
	h.Set("Content-Length", "0")
	res.WriteHeader(http.StatusNoContent)
}

// checkOrigin is the WebSocket origin check: Options.CheckOrigin, or the
// default described there.
func (s *Server) checkOrigin(r Request) bool {
	if s.opts.CheckOrigin != nil {
		return s.opts.CheckOrigin(r)
	}
	if s.opts.CORS == nil {
		return true
	}
	origin := r.Header("Origin")
	return origin == "" || s.opts.CORS.allowed(origin)
}
