package adapter

import (
	"fmt"
	"slices"
	"testing"
)

func TestSetGrowsAndShrinks(t *testing.T) {
	var s set[Room]
	elems := func() []Room {
		var out []Room
		s.each(func(r Room) { out = append(out, r) })
		slices.Sort(out)
		return out
	}
	var want []Room
	for i := 0; i < 3*setListMax; i++ {
		r := Room(fmt.Sprintf("r%03d", i))
		s.add(r)
		s.add(r) // twice: still once
		want = append(want, r)
		if s.len() != len(want) || !slices.Equal(elems(), want) {
			t.Fatalf("after %d adds: %v, want %v", i+1, elems(), want)
		}
		if mapped := s.m != nil; mapped != (len(want) > setListMax) {
			t.Fatalf("%d elements: map form %v", len(want), mapped)
		}
	}
	for len(want) > 0 {
		r := want[len(want)/2]
		s.del(r)
		s.del(r)
		want = slices.DeleteFunc(want, func(x Room) bool { return x == r })
		if slices.Contains(elems(), r) || s.len() != len(want) || !slices.Equal(elems(), want) {
			t.Fatalf("after deleting %s: %v, want %v", r, elems(), want)
		}
	}
}

func TestSetSmall(t *testing.T) {
	var s set[SocketID]
	for _, v := range []SocketID{"a", "b", "c"} {
		s.add(v)
	}
	s.del("a") // the last element takes its place
	s.del("x") // absent: nothing happens
	var got []SocketID
	s.each(func(v SocketID) { got = append(got, v) })
	slices.Sort(got)
	if s.len() != 2 || !slices.Equal(got, []SocketID{"b", "c"}) || s.m != nil {
		t.Fatalf("set %+v", s)
	}
	if s.list[len(s.list):cap(s.list)][0] != "" {
		t.Fatal("a removed element is still referenced by the backing array")
	}
}
