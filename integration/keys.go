package integration

// KeepKeys returns vals with, for each of keys that vals does not hold, the
// value get returns for it, unless that is nil: the handshake values of a
// framework whose middleware stores values that cannot be listed (Echo's
// c.Set and c.Get), under the keys the app names. vals (what the app
// extracted by other means) may be nil and wins over keys; it is filled and
// returned, or a new map is made when it is nil and a key has a value. The
// result is nil when there is nothing to keep.
func KeepKeys(vals map[any]any, keys []string, get func(key string) any) map[any]any {
	for _, k := range keys {
		if _, dup := vals[k]; dup {
			continue
		}
		if v := get(k); v != nil {
			if vals == nil {
				vals = make(map[any]any, len(keys))
			}
			vals[k] = v
		}
	}
	return vals
}
