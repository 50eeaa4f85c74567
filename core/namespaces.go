package core

import (
	"slices"
	"strings"
)

// Namespaces returns the server's namespaces, those made by Of and the
// children of dynamic namespaces, sorted by name. It is safe for concurrent
// use.
func (s *Server) Namespaces() []*Namespace {
	s.mu.RLock()
	out := make([]*Namespace, 0, len(s.nsps))
	for _, n := range s.nsps {
		out = append(out, n)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Namespace) int { return strings.Compare(a.name, b.name) })
	return out
}
