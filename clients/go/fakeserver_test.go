package diskdb_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer is a scripted RESP server for what no real test server offers
// (Debian's redis-server has no JSON module): it records each command it gets
// and answers with the next canned reply. It checks the client's bytes on the
// wire and its decoding, not any server's behaviour.
type fakeServer struct {
	t       *testing.T
	l       net.Listener
	mu      sync.Mutex
	replies []string   // raw RESP, one per expected command
	got     [][]string // commands received
	// holdUntil, when set, holds back every reply until that many commands
	// have arrived: a client that waits for each reply before sending the
	// next command then never gets one.
	holdUntil int
	held      []string
	// delays[i], when set, is how long the reply to the i-th command
	// (counting from 0 over all connections) waits before it is sent.
	delays map[int]time.Duration
}

func newFakeServer(t *testing.T, replies ...string) *fakeServer {
	return newFakeServerHolding(t, 0, replies...)
}

func newFakeServerHolding(t *testing.T, holdUntil int, replies ...string) *fakeServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{t: t, l: l, replies: replies, holdUntil: holdUntil}
	go f.serve()
	t.Cleanup(func() { l.Close() })
	return f
}

func (f *fakeServer) addr() string { return f.l.Addr().String() }

func (f *fakeServer) commands() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string(nil), f.got...)
}

func (f *fakeServer) serve() {
	for {
		c, err := f.l.Accept()
		if err != nil {
			return
		}
		go f.handle(c)
	}
}

func (f *fakeServer) handle(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		args, err := readCommand(br)
		if err != nil {
			return
		}
		f.mu.Lock()
		delay := f.delays[len(f.got)]
		f.got = append(f.got, args)
		reply := "-ERR fake server has no more replies\r\n"
		if len(f.replies) > 0 {
			reply, f.replies = f.replies[0], f.replies[1:]
		}
		if f.holdUntil > 0 {
			f.held = append(f.held, reply)
			if len(f.got) < f.holdUntil {
				f.mu.Unlock()
				continue
			}
			reply, f.held = strings.Join(f.held, ""), nil
		}
		f.mu.Unlock()
		time.Sleep(delay)
		if _, err := io.WriteString(c, reply); err != nil {
			return
		}
	}
}

// readCommand reads one RESP array of bulk strings, as clients send.
func readCommand(br *bufio.Reader) ([]string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil || line[0] != '*' {
		return nil, io.ErrUnexpectedEOF
	}
	args := make([]string, n)
	for i := range args {
		hdr, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(hdr[1:]))
		if err != nil {
			return nil, err
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, err
		}
		args[i] = string(buf[:size])
	}
	return args, nil
}

// bulk is s as a RESP bulk string reply.
func bulk(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }
