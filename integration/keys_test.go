package integration_test

import (
	"reflect"
	"testing"

	"github.com/gosio/gosio/integration"
)

func TestKeepKeys(t *testing.T) {
	t.Parallel()
	store := map[string]any{"user": "alice", "role": "admin", "nil": nil}
	get := func(k string) any { return store[k] }
	for _, tc := range []struct {
		name string
		vals map[any]any
		keys []string
		want map[any]any
	}{
		{"nothing", nil, nil, nil},
		{"missing and nil keys", nil, []string{"missing", "nil"}, nil},
		{"keys", nil, []string{"user", "role", "missing"}, map[any]any{"user": "alice", "role": "admin"}},
		{"extracted win", map[any]any{"user": "bob"}, []string{"user", "role"}, map[any]any{"user": "bob", "role": "admin"}},
		{"extracted only", map[any]any{1: "one"}, []string{"missing"}, map[any]any{1: "one"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := integration.KeepKeys(tc.vals, tc.keys, get); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
