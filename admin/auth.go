package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosio/gosio/core"
)

// Auth is how the admin namespace authenticates the UI: [NoAuth] or
// [BasicAuth]. Node makes the choice mandatory, and so does [Instrument].
// An Auth is immutable and may be shared.
type Auth struct {
	basic    bool
	username string
	hash     []byte
}

// NoAuth disables authentication: anyone who reaches the server may use the
// Admin UI. Use it only behind your own login or on a private network.
func NoAuth() *Auth { return &Auth{} }

// BasicAuth checks the UI's username and password against username and a
// bcrypt hash of the password (as made by bcrypt.GenerateFromPassword or
// Node's bcryptjs; Instrument refuses a value that is not one).
func BasicAuth(username, bcryptHash string) *Auth {
	return &Auth{basic: true, username: username, hash: []byte(bcryptHash)}
}

// errInvalidCredentials is what the UI shows as "invalid credentials": its
// message must stay exactly this.
var errInvalidCredentials = errors.New("invalid credentials")

func (a *Auth) validate() error {
	if !a.basic {
		return nil
	}
	if _, err := bcrypt.Cost(a.hash); err != nil {
		return fmt.Errorf("admin: the BasicAuth password must be a valid bcrypt hash: %w", err)
	}
	return nil
}

// credentials is the UI's CONNECT payload.
type credentials struct {
	SessionID string `json:"sessionId"`
	Username  string `json:"username"`
	Password  string `json:"password"`
}

// sessionKey is where the middleware leaves a new session id for the
// connection handler to send ("session").
type sessionKey struct{}

// middleware admits a UI that sends a known session id or the right
// username and password; it refuses any other with "invalid credentials".
func (a *Auth) middleware(store Store) core.ConnectMiddleware {
	return core.ConnectFunc(func(s *core.Socket) error {
		if !a.basic {
			return nil
		}
		var c credentials
		_ = json.Unmarshal(s.Handshake().Auth, &c)
		ctx, cancel := context.WithTimeout(s.Context(), storeTimeout)
		defer cancel()
		if c.SessionID != "" {
			if ok, err := store.SessionExists(ctx, c.SessionID); err == nil && ok {
				return nil
			}
		}
		if c.Username != a.username || bcrypt.CompareHashAndPassword(a.hash, []byte(c.Password)) != nil {
			return errInvalidCredentials
		}
		id := newSessionID()
		if err := store.SaveSession(ctx, id); err != nil {
			return fmt.Errorf("admin: saving the session: %w", err)
		}
		s.SetValue(sessionKey{}, id)
		return nil
	})
}

// newSessionID returns 16 random hex digits, as Node's.
func newSessionID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}
