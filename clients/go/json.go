package diskdb

import "encoding/json"

// JSONSet stores value, encoded with encoding/json, at path ("$" or "." is
// the root; "" means the root) in the JSON document at key. An encoding error
// is returned before anything is sent.
func (c cmdable) JSONSet(key, path string, value interface{}) error {
	doc, err := json.Marshal(value)
	if err != nil {
		return err
	}
	if path == "" {
		path = "$"
	}
	return c.doOK("JSON.SET", key, path, doc)
}

// JSONGet returns the raw JSON text at path ("" for the whole document), or
// ErrNil if the key does not exist. With a "$..." path the server wraps the
// matches in a JSON array, as RedisJSON does.
func (c cmdable) JSONGet(key, path string) (string, error) {
	return c.doString(jsonGetArgs(key, path)...)
}

// JSONGetInto decodes the JSON at path into dst with encoding/json (dst is a
// pointer, as for json.Unmarshal). A missing key gives ErrNil.
func (c cmdable) JSONGetInto(key, path string, dst interface{}) error {
	_, err := c.do(func(reply interface{}) (interface{}, error) {
		v, err := decString(reply)
		if err != nil {
			return nil, err
		}
		return nil, json.Unmarshal([]byte(v.(string)), dst)
	}, jsonGetArgs(key, path)...)
	return err
}

func jsonGetArgs(key, path string) []interface{} {
	if path == "" {
		return []interface{}{"JSON.GET", key}
	}
	return []interface{}{"JSON.GET", key, path}
}

// JSONDel deletes the value at path ("" for the whole key) and returns how
// many values were deleted.
func (c cmdable) JSONDel(key, path string) (int64, error) {
	if path == "" {
		return c.doInt("JSON.DEL", key)
	}
	return c.doInt("JSON.DEL", key, path)
}
