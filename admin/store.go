package admin

import (
	"context"
	"sync"
	"time"
)

// Store remembers the admin session ids given to a UI that logged in with
// BasicAuth, so that it reconnects with its id instead of its password.
// Implementations are safe for concurrent use.
type Store interface {
	// SessionExists reports whether id is a live session.
	SessionExists(ctx context.Context, id string) (bool, error)
	// SaveSession remembers id.
	SaveSession(ctx context.Context, id string) error
}

// storeTimeout bounds a store call made while a UI connects.
const storeTimeout = 5 * time.Second

// MemoryStore keeps session ids in this process for its lifetime, as
// Node's InMemoryStore: a UI logs in again after a restart and on each
// server of a cluster it reaches. Its methods are safe for concurrent use;
// the zero value is ready.
type MemoryStore struct {
	mu  sync.Mutex
	ids map[string]struct{}
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

// SessionExists reports whether id was saved.
func (m *MemoryStore) SessionExists(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.ids[id]
	return ok, nil
}

// SaveSession remembers id.
func (m *MemoryStore) SaveSession(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids == nil {
		m.ids = make(map[string]struct{})
	}
	m.ids[id] = struct{}{}
	return nil
}
