package diskdb_test

import (
	"testing"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

type person struct {
	Name string   `json:"name"`
	Age  int      `json:"age"`
	Tags []string `json:"tags"`
}

// TestJSON runs against the real server; Redis without its JSON module skips.
func TestJSON(t *testing.T) {
	db := freshDB(t)
	ok(t, db.JSONSet("p", "$", person{Name: "Ada", Age: 36, Tags: []string{"math"}}))

	raw, err := db.JSONGet("p", "")
	ok(t, err)
	var back person
	ok(t, db.JSONGetInto("p", "", &back))
	eq(t, back, person{Name: "Ada", Age: 36, Tags: []string{"math"}})
	if raw == "" {
		t.Fatal("JSON.GET returned nothing")
	}

	ok(t, db.JSONSet("p", "$.age", 37))
	var ages []int // "$" paths answer with an array of matches
	ok(t, db.JSONGetInto("p", "$.age", &ages))
	eq(t, ages, []int{37})

	n, err := db.JSONDel("p", "$.tags")
	ok(t, err)
	eq(t, n, int64(1))
	// A fresh value: json.Unmarshal leaves fields the JSON lacks as they were.
	var after person
	ok(t, db.JSONGetInto("p", "", &after))
	eq(t, after.Tags, []string(nil))

	_, err = db.JSONGet("missing", "")
	wantErr(t, err, diskdb.ErrNil)
	n, err = db.JSONDel("p", "")
	ok(t, err)
	eq(t, n, int64(1))
}

// TestJSONWireFormat checks the JSON methods' requests and reply decoding
// against a scripted server, since no test server here is guaranteed JSON.
func TestJSONWireFormat(t *testing.T) {
	f := newFakeServer(t,
		"+OK\r\n",
		bulk(`{"name":"Ada","age":36,"tags":null}`),
		bulk("[36]"),
		"$-1\r\n",
		":1\r\n",
		":1\r\n",
	)
	db, err := diskdb.Connect(f.addr())
	ok(t, err)
	defer db.Close()

	ok(t, db.JSONSet("p", "", person{Name: "Ada", Age: 36}))
	var p person
	ok(t, db.JSONGetInto("p", "", &p))
	eq(t, p, person{Name: "Ada", Age: 36})
	raw, err := db.JSONGet("p", "$.age")
	ok(t, err)
	eq(t, raw, "[36]")
	wantErr(t, db.JSONGetInto("missing", "$", &p), diskdb.ErrNil)
	n, err := db.JSONDel("p", "$.tags")
	ok(t, err)
	eq(t, n, int64(1))
	n, err = db.JSONDel("p", "")
	ok(t, err)
	eq(t, n, int64(1))

	eq(t, f.commands(), [][]string{
		{"JSON.SET", "p", "$", `{"name":"Ada","age":36,"tags":null}`},
		{"JSON.GET", "p"},
		{"JSON.GET", "p", "$.age"},
		{"JSON.GET", "missing", "$"},
		{"JSON.DEL", "p", "$.tags"},
		{"JSON.DEL", "p"},
	})

	// A value encoding/json refuses is reported before anything is sent.
	if err := db.JSONSet("p", "$", make(chan int)); err == nil {
		t.Fatal("JSONSet of a channel succeeded")
	}
	eq(t, len(f.commands()), 6)
}
