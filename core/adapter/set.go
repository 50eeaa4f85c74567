package adapter

import "slices"

// set is a set of rooms or socket ids that stays a slice while it is small.
// Most rooms hold one socket (each socket's own room) and most sockets are
// in a few rooms; a one-element slice costs 16 bytes where a one-element
// map costs about 200, which is a tenth of an idle connection.
//
// The zero value is an empty set. A set is a value kept in the adapter's
// maps: after a change the caller stores it back. The adapter's lock guards
// it.
type set[T ~string] struct {
	list []T            // the elements while there are at most setListMax
	m    map[T]struct{} // the elements once there were more; list is nil
}

// setListMax is the size past which a set becomes a map, so that adding to
// or removing from a large room stays O(1).
const setListMax = 16

func (s *set[T]) add(v T) {
	switch {
	case s.m != nil:
		s.m[v] = struct{}{}
	case slices.Contains(s.list, v):
	case len(s.list) < setListMax:
		s.list = append(s.list, v)
	default:
		s.m = make(map[T]struct{}, 2*setListMax)
		for _, x := range s.list {
			s.m[x] = struct{}{}
		}
		s.m[v] = struct{}{}
		s.list = nil
	}
}

func (s *set[T]) del(v T) {
	if s.m != nil {
		delete(s.m, v)
		return
	}
	if i := slices.Index(s.list, v); i >= 0 {
		last := len(s.list) - 1
		s.list[i] = s.list[last]
		s.list[last] = ""
		s.list = s.list[:last]
	}
}

func (s *set[T]) len() int {
	if s.m != nil {
		return len(s.m)
	}
	return len(s.list)
}

// each calls fn for every element, in no particular order; fn must not
// change the set.
func (s *set[T]) each(fn func(T)) {
	if s.m != nil {
		for v := range s.m {
			fn(v)
		}
		return
	}
	for _, v := range s.list {
		fn(v)
	}
}
