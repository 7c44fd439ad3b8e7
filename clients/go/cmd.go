package diskdb

// Every command method is one or two lines on top of this file: it builds the
// argument list and names a decoder, and cmdable decides whether the command
// runs now (DB) or is queued (Pipeline). That keeps the two in step: a method
// written once works in both.

import (
	"fmt"
	"sort"
	"strconv"
	"time"
)

// decoder turns a raw reply (never an *Error: those are handled before) into
// the method's result type.
type decoder func(reply interface{}) (interface{}, error)

// cmd is one command on its way to the server.
type cmd struct {
	args []interface{}
	dec  decoder
	// block is how long the command may legitimately wait on the server
	// (BLPOP's timeout, XREAD's BLOCK), added to the read timeout; negative
	// means it may wait for ever.
	block time.Duration
	// err, when set, is an argument error the method found while building
	// the command. Sending fails with it before anything is written, as for
	// an argument that cannot be encoded.
	err error
}

// result decodes c's reply into its final value, or the error it stands for.
func (c *cmd) result(reply interface{}) (interface{}, error) {
	if e, ok := reply.(*Error); ok {
		return nil, e
	}
	if c.dec == nil {
		return decAny(reply)
	}
	return c.dec(reply)
}

// cmdable is the shared home of every command method. DB runs the command and
// returns its decoded result; Pipeline queues it and returns (nil, nil), which
// is why every helper below tolerates a nil value.
type cmdable func(c *cmd) (interface{}, error)

func (c cmdable) do(dec decoder, args ...interface{}) (interface{}, error) {
	return c(&cmd{args: args, dec: dec})
}

func (c cmdable) doString(args ...interface{}) (string, error) {
	v, err := c.do(decString, args...)
	s, _ := v.(string)
	return s, err
}

func (c cmdable) doInt(args ...interface{}) (int64, error) {
	v, err := c.do(decInt, args...)
	n, _ := v.(int64)
	return n, err
}

func (c cmdable) doBool(args ...interface{}) (bool, error) {
	v, err := c.do(decBool, args...)
	b, _ := v.(bool)
	return b, err
}

func (c cmdable) doFloat(args ...interface{}) (float64, error) {
	v, err := c.do(decFloat, args...)
	f, _ := v.(float64)
	return f, err
}

// doOK is for commands whose only answer is a status such as "OK".
func (c cmdable) doOK(args ...interface{}) error {
	_, err := c.do(decString, args...)
	return err
}

func (c cmdable) doStrings(args ...interface{}) ([]string, error) {
	v, err := c.do(decStrings, args...)
	s, _ := v.([]string)
	return s, err
}

func (c cmdable) doStringMap(args ...interface{}) (map[string]string, error) {
	v, err := c.do(decStringMap, args...)
	m, _ := v.(map[string]string)
	return m, err
}

func (c cmdable) doZs(args ...interface{}) ([]Z, error) {
	v, err := c.do(decZs, args...)
	z, _ := v.([]Z)
	return z, err
}

// Do sends any command and returns its reply as plain Go values: string,
// int64, []interface{} (elements may be nil or *Error), or ErrNil for a nil
// reply. Use it for commands this package has no method for.
// Arguments may be strings, []byte, integers, floats or bools.
func (c cmdable) Do(args ...interface{}) (interface{}, error) {
	return c.do(decAny, args...)
}

// --- decoders: each checks the reply's shape and says what it got otherwise.

func unexpected(want string, reply interface{}) error {
	return &protocolError{fmt.Sprintf("expected %s reply, got %T %v", want, reply, reply)}
}

func decAny(reply interface{}) (interface{}, error) {
	if reply == nil {
		return nil, ErrNil
	}
	return reply, nil
}

func decString(reply interface{}) (interface{}, error) {
	switch v := reply.(type) {
	case string:
		return v, nil
	case nil:
		return nil, ErrNil
	}
	return nil, unexpected("string", reply)
}

func decInt(reply interface{}) (interface{}, error) {
	switch v := reply.(type) {
	case int64:
		return v, nil
	case nil:
		return nil, ErrNil
	}
	return nil, unexpected("integer", reply)
}

func decBool(reply interface{}) (interface{}, error) {
	n, err := decInt(reply)
	if err != nil {
		return nil, err
	}
	return n.(int64) != 0, nil
}

func decFloat(reply interface{}) (interface{}, error) {
	switch v := reply.(type) {
	case string:
		return parseFloat(v)
	case int64:
		return float64(v), nil
	case nil:
		return nil, ErrNil
	}
	return nil, unexpected("float", reply)
}

func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64) // also accepts Redis's "inf", "-inf"
	if err != nil {
		return 0, &protocolError{fmt.Sprintf("bad float %q", s)}
	}
	return f, nil
}

// decStrings accepts an array of bulk strings; nil elements become "".
func decStrings(reply interface{}) (interface{}, error) {
	switch v := reply.(type) {
	case []interface{}:
		return toStrings(v)
	case nil:
		return nil, ErrNil
	}
	return nil, unexpected("array", reply)
}

func toStrings(arr []interface{}) ([]string, error) {
	out := make([]string, len(arr))
	for i, e := range arr {
		switch s := e.(type) {
		case string:
			out[i] = s
		case int64:
			out[i] = strconv.FormatInt(s, 10)
		case nil:
		default:
			return nil, unexpected("string element", e)
		}
	}
	return out, nil
}

// decStringMap reads the flat [k1, v1, k2, v2, ...] arrays of RESP2 maps.
func decStringMap(reply interface{}) (interface{}, error) {
	v, err := decStrings(reply)
	if err != nil {
		return nil, err
	}
	return pairsToMap(v.([]string))
}

func pairsToMap(flat []string) (map[string]string, error) {
	if len(flat)%2 != 0 {
		return nil, &protocolError{fmt.Sprintf("map reply with odd length %d", len(flat))}
	}
	m := make(map[string]string, len(flat)/2)
	for i := 0; i < len(flat); i += 2 {
		m[flat[i]] = flat[i+1]
	}
	return m, nil
}

// decZs reads [member1, score1, member2, score2, ...] (WITHSCORES, ZPOPMIN).
func decZs(reply interface{}) (interface{}, error) {
	v, err := decStrings(reply)
	if err != nil {
		return nil, err
	}
	flat := v.([]string)
	if len(flat)%2 != 0 {
		return nil, &protocolError{fmt.Sprintf("member/score reply with odd length %d", len(flat))}
	}
	zs := make([]Z, len(flat)/2)
	for i := range zs {
		score, err := parseFloat(flat[2*i+1])
		if err != nil {
			return nil, err
		}
		zs[i] = Z{Score: score, Member: flat[2*i]}
	}
	return zs, nil
}

// --- argument helpers

// keysArgs is args... followed by keys..., for variadic-key commands.
func keysArgs(keys []string, args ...interface{}) []interface{} {
	out := make([]interface{}, 0, len(args)+len(keys))
	out = append(out, args...)
	for _, k := range keys {
		out = append(out, k)
	}
	return out
}

// valuesArgs is args... followed by values....
func valuesArgs(values []interface{}, args ...interface{}) []interface{} {
	out := make([]interface{}, 0, len(args)+len(values))
	return append(append(out, args...), values...)
}

// mapArgs is args... followed by the map as field, value pairs. Keys are
// sorted so the command on the wire (and a stream entry's field order) does
// not depend on Go's random map order.
func mapArgs(m map[string]interface{}, args ...interface{}) []interface{} {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]interface{}, 0, len(args)+2*len(m))
	out = append(out, args...)
	for _, k := range keys {
		out = append(out, k, m[k])
	}
	return out
}

// seconds formats a duration as the seconds argument of a blocking command:
// an integer when it is whole (every server parses that), a decimal otherwise.
func seconds(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10)
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}
