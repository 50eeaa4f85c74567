package sioredis

import (
	"crypto/rand"
	"errors"
)

var (
	// ErrClosed is returned by operations on a closed adapter or
	// subscription.
	ErrClosed = errors.New("sioredis: closed")
	// ErrTimeout is wrapped by the error of a request that did not get
	// every server's answer within RequestsTimeout (or before its
	// context was done). Partial results come with it.
	ErrTimeout = errors.New("sioredis: timeout waiting for other servers")
	// ErrRedisDown is wrapped by the error reported to OnError when the
	// subscription connection to Redis is lost. Broadcasts from other
	// servers are missed until it is back (Redis pub/sub keeps nothing).
	ErrRedisDown = errors.New("sioredis: Redis subscription lost")
)

// idAlphabet is the alphabet of Node's uid2: URL-safe base64.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// newID returns a random id of n characters from idAlphabet, like Node's
// uid2(n) (server uids and request ids).
func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[b[i]&63]
	}
	return string(b)
}
