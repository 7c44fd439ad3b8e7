package diskdb_test

// The tests talk to a real server that TestMain starts on a free port in a
// temporary directory, and stops afterwards:
//
//	DISKDB_BIN=path            the diskdb binary to run; otherwise
//	                           $CARGO_TARGET_DIR/release/diskdb, otherwise
//	                           $HOME/.cache/diskdb-target/release/diskdb
//	DISKDB_TEST_SERVER=redis   run Debian's redis-server instead, to check the
//	                           tests' expectations against the reference
//
// A command the server does not know yet ("ERR unknown command") skips its
// test through skipIfUnsupported, so a young server gives skips, not failures.

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	diskdb "github.com/diskdb/diskdb/clients/go"
)

var (
	srv    *testServer // the shared server
	testDB *diskdb.DB  // a client connected to it
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	var err error
	srv, err = startServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot start a server for the tests:", err)
		return 1
	}
	defer srv.stop()
	fmt.Fprintf(os.Stderr, "testing against %s on %s\n", srv.kind, srv.addr)
	testDB, err = diskdb.Connect(srv.addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot connect to the test server:", err)
		return 1
	}
	defer testDB.Close()
	return m.Run()
}

// testServer is one server process in its own temporary directory.
type testServer struct {
	kind string // "diskdb" or "redis"
	addr string
	port int
	dir  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
}

func useRedis() bool { return os.Getenv("DISKDB_TEST_SERVER") == "redis" }

// diskdbBinary finds the server binary as the README documents.
func diskdbBinary() (string, error) {
	var candidates []string
	if p := os.Getenv("DISKDB_BIN"); p != "" {
		candidates = []string{p}
	} else {
		if d := os.Getenv("CARGO_TARGET_DIR"); d != "" {
			candidates = append(candidates, filepath.Join(d, "release", "diskdb"))
		}
		if h, err := os.UserHomeDir(); err == nil {
			candidates = append(candidates, filepath.Join(h, ".cache", "diskdb-target", "release", "diskdb"))
		}
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c, nil
		}
	}
	return "", fmt.Errorf("no diskdb binary at %s: build it (cargo build --release), set DISKDB_BIN, "+
		"or run the tests against Redis with DISKDB_TEST_SERVER=redis", strings.Join(candidates, " or "))
}

// freePort asks the kernel for an unused port. Another process could take it
// before the server binds it; on this test machine that race is accepted.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startServer starts a server with extra flags (Redis's names, which DiskDB
// shares) and waits until it answers PING.
func startServer(extra ...string) (*testServer, error) {
	return startServerOf(useRedis(), extra...)
}

// startServerOf is startServer for redis-server when redis is true, else for
// diskdb, whatever DISKDB_TEST_SERVER says.
func startServerOf(redis bool, extra ...string) (*testServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "diskdb-go-test-")
	if err != nil {
		return nil, err
	}
	s := &testServer{port: port, dir: dir, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), done: make(chan struct{})}
	var bin string
	var args []string
	if redis {
		s.kind = "redis-server"
		bin = "redis-server"
		args = []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"}
	} else {
		s.kind = "diskdb"
		if bin, err = diskdbBinary(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		args = []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir}
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logf.Close()
	s.cmd = exec.Command(bin, append(args, extra...)...)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()

	deadline := time.Now().Add(60 * time.Second)
	for {
		if pingRaw(s.addr) == nil {
			return s, nil
		}
		select {
		case <-s.done:
			out, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			os.RemoveAll(dir)
			return nil, fmt.Errorf("%s %s exited before answering PING (%v):\n%s", bin, strings.Join(args, " "), s.cmd.ProcessState, out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s did not answer PING within 60s", bin)
		}
	}
}

// pingRaw sends PING without the client under test. Any reply counts (a
// password-protected server answers -NOAUTH, and that is up too).
func pingRaw(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line[0] != '+' && line[0] != '-' {
		return fmt.Errorf("unexpected PING reply %q", line)
	}
	return nil
}

// stop asks the server to shut down (SIGTERM), kills it if it takes more than
// 10s, and removes its directory.
func (s *testServer) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	os.RemoveAll(s.dir)
}

// freshDB returns the shared client on an empty database. Tests do not run in
// parallel, so emptying it isolates each test from the ones before.
func freshDB(t *testing.T) *diskdb.DB {
	t.Helper()
	if err := testDB.FlushDB(); err != nil {
		t.Fatalf("FLUSHDB: %v", err)
	}
	return testDB
}

// skipIfUnsupported skips the test when err says the server does not know a
// command yet, or (DUMP of streams and JSON on DiskDB) has it but not for
// that type yet. It is the one place that turns an error into a skip.
func skipIfUnsupported(t *testing.T, err error) {
	t.Helper()
	var e *diskdb.Error
	if errors.As(err, &e) && (strings.HasPrefix(e.Msg, "ERR unknown command") ||
		strings.HasPrefix(e.Msg, "ERR unknown subcommand") ||
		strings.HasPrefix(e.Msg, "ERR DUMP does not support")) {
		t.Skipf("%s does not support this command yet: %s", srv.kind, e.Msg)
	}
}

// ok fails the test on any error but an unsupported command, which skips it.
func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		skipIfUnsupported(t, err)
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantErr checks that err matches target (with errors.Is).
func wantErr(t *testing.T, err, target error) {
	t.Helper()
	skipIfUnsupported(t, err)
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

// eq fails the test unless got and want are deeply equal.
func eq(t *testing.T, got, want interface{}) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}
