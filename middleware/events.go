package middleware

import "github.com/gosio/gosio/core"

// Events returns a connect middleware that adds mws to every socket the
// namespace admits, as if each connection handler began with s.Use(mws...).
// The event middlewares are added before the rest of the connect chain
// runs, so they wrap those that later connect middlewares and connection
// handlers add. Sockets restored by connection state recovery skip connect
// middlewares: [core.Namespace.UseEvents] covers them too. The returned
// middleware is safe for concurrent use.
func Events(mws ...core.EventMiddleware) core.ConnectMiddleware {
	mws = append([]core.EventMiddleware(nil), mws...)
	return func(next core.ConnectHandler) core.ConnectHandler {
		return func(s *core.Socket) error {
			s.Use(mws...)
			return next(s)
		}
	}
}
