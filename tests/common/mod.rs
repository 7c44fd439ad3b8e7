//! The black-box test harness: a real `diskdb` process on a free port with a temp data
//! dir, and a minimal RESP client that shows exactly what came over the wire.
//!
//! `DISKDB_TEST_REDIS=1` makes [`Server::start`] launch Debian's `redis-server` instead,
//! so the expectations of the compatibility tests can be checked against the reference.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A reply as it came over the wire.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    /// `$-1`, `*-1` or RESP3 `_`.
    Nil,
    Array(Vec<Value>),
    Map(Vec<(Value, Value)>),
    Set(Vec<Value>),
    Double(String),
    Bool(bool),
    Verbatim(String),
    Push(Vec<Value>),
}

impl Value {
    /// A bulk string reply as UTF-8 text (panics otherwise: the test expected text).
    pub fn text(&self) -> String {
        match self {
            Value::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            Value::Simple(s) | Value::Verbatim(s) | Value::Double(s) => s.clone(),
            other => panic!("expected a string reply, got {other:?}"),
        }
    }

    pub fn int(&self) -> i64 {
        match self {
            Value::Int(n) => *n,
            other => panic!("expected an integer reply, got {other:?}"),
        }
    }

    pub fn array(&self) -> Vec<Value> {
        match self {
            Value::Array(a) | Value::Set(a) | Value::Push(a) => a.clone(),
            other => panic!("expected an array reply, got {other:?}"),
        }
    }

    pub fn error(&self) -> String {
        match self {
            Value::Error(e) => e.clone(),
            other => panic!("expected an error reply, got {other:?}"),
        }
    }

    /// Texts of an array of bulk strings.
    pub fn texts(&self) -> Vec<String> {
        self.array().iter().map(Value::text).collect()
    }
}

/// Shorthand constructors for assertions.
pub fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}
pub fn ok() -> Value {
    Value::Simple("OK".into())
}
pub fn int(n: i64) -> Value {
    Value::Int(n)
}
pub fn err(s: &str) -> Value {
    Value::Error(s.into())
}
pub fn arr(v: Vec<Value>) -> Value {
    Value::Array(v)
}

/// A seeded pseudo-random source for model tests: `next(n)` is in `0..n`, the same
/// sequence on every run.
pub fn lcg(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |n| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    }
}

/// Picks a port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// What the server on `port` answers to `INFO server`, if one answers: the process id it
/// reports, or `None` for an error reply (a server that wants AUTH first). The whole
/// reply is read before the connection closes, so the close is an orderly one.
fn answering_pid(port: u16) -> Option<Option<u32>> {
    let c = TcpStream::connect(("127.0.0.1", port)).ok()?;
    c.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    (&c).write_all(b"INFO server\r\n").ok()?;
    let mut reader = BufReader::new(&c);
    let mut header = String::new();
    reader.read_line(&mut header).ok()?;
    let Some(len) = header.strip_prefix('$') else { return Some(None) };
    let mut body = vec![0u8; len.trim().parse::<usize>().ok()? + 2];
    reader.read_exact(&mut body).ok()?;
    let text = String::from_utf8_lossy(&body);
    Some(text.lines().find_map(|l| l.strip_prefix("process_id:")).and_then(|p| p.trim().parse().ok()))
}

/// Flags every test server gets, from `DISKDB_TEST_ARGS` (space-separated): the suite runs
/// as it is on the optimized paths with `DISKDB_TEST_ARGS=--optimized`.
fn extra_args() -> Vec<String> {
    std::env::var("DISKDB_TEST_ARGS").unwrap_or_default().split_whitespace().map(String::from).collect()
}

/// A running server.
pub struct Server {
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    args: Vec<String>,
    reference: bool,
}

impl Server {
    /// DiskDB with default settings (or the reference Redis, see the module doc).
    pub fn start() -> Server {
        if std::env::var("DISKDB_TEST_REDIS").is_ok_and(|v| v == "1") {
            return Server::start_reference();
        }
        Server::start_with(&[])
    }

    /// DiskDB with extra command-line flags, in a fresh temp dir.
    pub fn start_with(args: &[&str]) -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let mut s = Server {
            child: None,
            port: free_port(),
            dir,
            _tmp: Some(tmp),
            args: args.iter().map(|s| s.to_string()).collect(),
            reference: false,
        };
        s.spawn();
        s
    }

    fn start_reference() -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(tmp.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (apt-get install redis-server)");
        let mut s = Server { child: Some(child), port, dir: tmp.path().to_path_buf(), _tmp: Some(tmp), args: vec![], reference: true };
        assert!(s.wait_ready(), "redis-server on port {port} did not start");
        s
    }

    /// Whether this is the reference Redis rather than DiskDB.
    pub fn is_reference(&self) -> bool {
        self.reference
    }

    /// Starts the server. A port that was free when [`free_port`] chose it may be taken
    /// by another test's server before ours binds it (tests start servers in parallel):
    /// ours then exits, and its clients would talk to the other one until that one stops
    /// under them. So a first start that does not come up as our process tries another
    /// port; a restart keeps its port, which the test may rely on.
    fn spawn(&mut self) {
        let first = self.child.is_none() && !self.dir.join("diskdb.log").exists();
        for attempt in 1.. {
            let log = std::fs::File::create(self.dir.join("diskdb.log")).unwrap();
            let child = Command::new(env!("CARGO_BIN_EXE_diskdb"))
                .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
                .arg("--dir")
                .arg(&self.dir)
                .args(extra_args())
                .args(&self.args)
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("start diskdb");
            self.child = Some(child);
            if self.wait_ready() {
                return;
            }
            assert!(first && attempt < 5, "server on port {} did not start; log:\n{}", self.port, self.log());
            self.kill9();
            self.port = free_port();
        }
    }

    /// Waits up to 60 s for the server to answer on its port; false if our process exited
    /// first or another process answers there.
    fn wait_ready(&mut self) -> bool {
        let pid = self.child.as_ref().map(Child::id).unwrap_or_default();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.child.as_mut().is_none_or(|c| !matches!(c.try_wait(), Ok(None))) {
                return false;
            }
            match answering_pid(self.port) {
                // An error names no process: ours is alive, so take it as ours.
                Some(None) => return true,
                Some(Some(answered)) => return answered == pid,
                None => {}
            }
            std::thread::sleep(Duration::from_millis(30));
        }
        false
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("diskdb.log")).unwrap_or_default()
    }

    pub fn client(&self) -> Client {
        Client::connect(self.port)
    }

    /// Waits until exactly `n` clients wait in blocking commands (INFO's
    /// `blocked_clients`), so a test acts knowing who waits, and in which order. Gives up
    /// after 10 seconds.
    pub fn wait_blocked(&self, n: i64) {
        let mut c = self.client();
        let give_up = Instant::now() + Duration::from_secs(10);
        loop {
            let info = c.cmd(&["INFO", "clients"]).text();
            let blocked = info.lines().find_map(|l| l.strip_prefix("blocked_clients:")).and_then(|v| v.trim().parse::<i64>().ok());
            if blocked == Some(n) {
                return;
            }
            assert!(Instant::now() < give_up, "expected {n} blocked clients, INFO says {blocked:?}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, then waits for the process to exit; returns whether it exited cleanly.
    pub fn terminate(&mut self) -> bool {
        let Some(c) = &self.child else { return false };
        let _ = Command::new("kill").arg("-15").arg(c.id().to_string()).status();
        self.wait_exit()
    }

    /// Waits up to 30 s for the process to exit on its own (after SIGTERM or SHUTDOWN);
    /// returns whether it exited with status 0.
    pub fn wait_exit(&mut self) -> bool {
        let Some(mut c) = self.child.take() else { return false };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = c.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = c.kill();
        false
    }

    /// Starts the server again on the same port and data dir with the same flags.
    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    pub fn data_dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A minimal RESP2/RESP3 client.
pub struct Client {
    pub reader: BufReader<TcpStream>,
    pub stream: TcpStream,
}

impl Client {
    pub fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        Client { reader: BufReader::new(stream.try_clone().unwrap()), stream }
    }

    /// Encodes a command as a RESP multibulk request.
    pub fn encode(args: &[&[u8]]) -> Vec<u8> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    /// Sends one command of text arguments and reads its reply.
    pub fn cmd(&mut self, args: &[&str]) -> Value {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.cmd_bytes(&args)
    }

    /// Sends one command of binary arguments and reads its reply.
    pub fn cmd_bytes(&mut self, args: &[&[u8]]) -> Value {
        self.send_raw(&Self::encode(args));
        self.read()
    }

    /// Waits, up to two minutes, until `INFO rocksdb` reports that a range some scan found
    /// full of deleted rows has been compacted (DiskDB only).
    pub fn wait_range_compaction(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let info = self.cmd(&["INFO", "rocksdb"]).text();
            let done = info.lines().find_map(|l| l.strip_prefix("range_compactions:")).map_or(0, |n| n.trim().parse::<u64>().unwrap());
            if done > 0 {
                return;
            }
            assert!(Instant::now() < deadline, "no range compaction ran");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends raw bytes.
    /// Sends `cmds` in one write, without reading the replies.
    pub fn send_pipeline(&mut self, cmds: &[&[&str]]) {
        let mut batch = Vec::new();
        for cmd in cmds {
            let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_bytes()).collect();
            batch.extend(Client::encode(&args));
        }
        self.send_raw(&batch);
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Whether the server has closed the connection (reads EOF).
    pub fn is_closed(&mut self) -> bool {
        let mut buf = [0u8; 1];
        matches!(self.reader.read(&mut buf), Ok(0) | Err(_))
    }

    /// Reads one raw reply line without its CRLF (`*-1`, `$-1`, `_`): for tests of the
    /// exact wire form.
    pub fn line_raw(&mut self) -> String {
        self.line()
    }

    fn line(&mut self) -> String {
        read_line(&mut self.reader)
    }

    /// Reads one reply.
    pub fn read(&mut self) -> Value {
        read_value(&mut self.reader)
    }
}

fn read_line(reader: &mut impl BufRead) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.ends_with("\r\n"), "truncated reply line {line:?}");
    line.truncate(line.len() - 2);
    line
}

/// Reads one reply from any byte stream (a TLS one too).
pub fn read_value(reader: &mut impl BufRead) -> Value {
    let line = read_line(reader);
    let (kind, rest) = line.split_at(1);
    match kind {
        "+" => Value::Simple(rest.into()),
        "-" => Value::Error(rest.into()),
        ":" => Value::Int(rest.parse().unwrap()),
        "_" => Value::Nil,
        "," => Value::Double(rest.into()),
        "#" => Value::Bool(rest == "t"),
        "$" | "=" => {
            let n: i64 = rest.parse().unwrap();
            if n < 0 {
                return Value::Nil;
            }
            let mut buf = vec![0u8; n as usize + 2];
            reader.read_exact(&mut buf).unwrap();
            buf.truncate(n as usize);
            if kind == "=" {
                Value::Verbatim(String::from_utf8_lossy(&buf[4..]).into_owned())
            } else {
                Value::Bulk(buf)
            }
        }
        "*" | "~" | ">" => {
            let n: i64 = rest.parse().unwrap();
            if n < 0 {
                return Value::Nil;
            }
            let items = (0..n).map(|_| read_value(reader)).collect();
            match kind {
                "*" => Value::Array(items),
                "~" => Value::Set(items),
                _ => Value::Push(items),
            }
        }
        "%" => {
            let n: usize = rest.parse().unwrap();
            Value::Map((0..n).map(|_| (read_value(reader), read_value(reader))).collect())
        }
        other => panic!("unknown reply type {other:?} in {line:?}"),
    }
}
