//! The network transport under the connection code: large values, many clients, and
//! clients that leave with a read or a write in flight. Every server here runs
//! `--optimized --transport io_uring`, so a build with the `io_uring` feature runs these
//! on io_uring (and the default build on tokio, where they must pass the same way).

mod common;
use common::*;
use std::io::Write;
use std::time::{Duration, Instant};

/// A server on the io_uring transport where it is built in, optimized (minus the flags
/// `DISKDB_TEST_ARGS` already passes: a flag given twice is refused).
fn optimized_server() -> Server {
    let passed = std::env::var("DISKDB_TEST_ARGS").unwrap_or_default();
    let passed: Vec<&str> = passed.split_whitespace().collect();
    let mut args = Vec::new();
    if !passed.contains(&"--optimized") {
        args.push("--optimized");
    }
    if !passed.contains(&"--transport") {
        args.extend(["--transport", "io_uring"]);
    }
    Server::start_with(&args)
}

/// A value of `len` bytes in which every position differs from its neighbours, so a
/// chunk delivered twice, lost or reordered shows.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ seed).collect()
}

fn info_field(info: &str, name: &str) -> String {
    let prefix = format!("{name}:");
    info.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("no {name} in INFO")).trim().to_string()
}

/// Waits (at most 10 s) until `done` holds; the server notices a peer's close on its own
/// schedule.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn values_over_a_mebibyte_go_in_and_out_whole() {
    let s = optimized_server();
    let mut c = s.client();
    let big = pattern(3 * 1024 * 1024 + 7, 1);
    let other = pattern(1024 * 1024 + 1, 2);
    assert_eq!(c.cmd_bytes(&[b"SET", b"big", &big]), ok());
    assert_eq!(c.cmd_bytes(&[b"GET", b"big"]), Value::Bulk(big.clone()));
    // Pipelined: two large writes in one send, then both values back in one reply batch.
    let mut batch = Client::encode(&[b"SET", b"other", &other]);
    batch.extend(Client::encode(&[b"APPEND", b"big", &other]));
    batch.extend(Client::encode(&[b"GET", b"other"]));
    batch.extend(Client::encode(&[b"GET", b"big"]));
    c.send_raw(&batch);
    assert_eq!(c.read(), ok());
    assert_eq!(c.read(), int((big.len() + other.len()) as i64));
    assert_eq!(c.read(), Value::Bulk(other.clone()));
    assert_eq!(c.read(), Value::Bulk([big, other].concat()));
}

#[test]
fn many_clients_at_once_each_get_their_own_replies() {
    const CLIENTS: usize = 64;
    const KEYS: usize = 100;
    let s = optimized_server();
    let port = s.port;
    let workers: Vec<_> = (0..CLIENTS)
        .map(|n| {
            std::thread::spawn(move || {
                let mut c = Client::connect(port);
                for k in 0..KEYS {
                    let (key, value) = (format!("c{n}:k{k}"), pattern(100 + k * 37, n as u8));
                    assert_eq!(c.cmd_bytes(&[b"SET", key.as_bytes(), &value]), ok());
                    assert_eq!(c.cmd_bytes(&[b"GET", key.as_bytes()]), Value::Bulk(value));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(s.client().cmd(&["DBSIZE"]), int((CLIENTS * KEYS) as i64));
}

/// The sockets the server process holds open (Linux), so that a socket left open shows:
/// RocksDB's files come and go with its flushes and compactions, so only sockets count.
#[cfg(target_os = "linux")]
fn open_sockets(pid: &str) -> usize {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap();
    fds.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok()).filter(|target| target.to_string_lossy().starts_with("socket:")).count()
}

/// The server's process id and how many sockets it holds open now, asked through `c`.
#[cfg(target_os = "linux")]
fn server_sockets(c: &mut Client) -> (String, usize) {
    let pid = info_field(&c.cmd(&["INFO", "server"]).text(), "process_id");
    let fds = open_sockets(&pid);
    (pid, fds)
}

/// The TCP states (from /proc/net/tcp and tcp6) of the server's sockets, for a failure
/// message: state codes as the kernel numbers them (01 established, 08 close-wait, ...).
#[cfg(target_os = "linux")]
fn socket_states(pid: &str) -> String {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|fds| fds.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok()).map(|t| t.to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    let inodes: Vec<&str> = inodes.iter().filter_map(|t| t.strip_prefix("socket:[")?.strip_suffix(']')).collect();
    let mut states = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        for line in std::fs::read_to_string(table).unwrap_or_default().lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() > 9 && inodes.contains(&fields[9]) {
                states.push(format!("{} {} state {}", fields[1], fields[2], fields[3]));
            }
        }
    }
    format!("server sockets: {states:?}")
}

#[test]
fn clients_leaving_with_a_read_or_a_write_in_flight_leave_nothing_behind() {
    let s = optimized_server();
    let mut c = s.client();
    assert_eq!(c.cmd_bytes(&[b"SET", b"big", &pattern(4 * 1024 * 1024, 3)]), ok());
    #[cfg(target_os = "linux")]
    let (pid, fds) = server_sockets(&mut c);
    // Kept connected (and unread) to the end: the server alone must end its writes.
    let mut stalled = Vec::new();
    for round in 0..30 {
        // Idle: the server's read of its first request is in flight when it goes.
        drop(Client::connect(s.port));
        // Half a request: the read of the rest is in flight.
        Client::connect(s.port).send_raw(b"*2\r\n$3\r\nGET\r\n$3\r\nbi");
        // A 4 MiB reply it never reads: the server's write is in flight.
        Client::connect(s.port).send_raw(&Client::encode(&[b"GET", b"big"]));
        // A subscriber that never reads, flooded past its output limit and killed.
        if round % 10 == 0 {
            assert_eq!(c.cmd(&["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 0 0"]), ok());
            let mut subscriber = s.client();
            subscriber.cmd(&["SUBSCRIBE", "flood"]);
            stalled.push(subscriber);
            // Flooded 1 MiB at a time until killed: the kernel's socket buffers take in
            // some megabytes first, how many depends on their autotuning.
            let mut flood = Vec::new();
            for _ in 0..16 {
                flood.extend(Client::encode(&[b"PUBLISH", b"flood", &pattern(64 * 1024, 4)]));
            }
            for batch in 0.. {
                assert!(batch < 256, "a subscriber 256 MiB behind is still subscribed");
                c.stream.write_all(&flood).unwrap();
                let receivers: i64 = (0..16).map(|_| c.read().int()).sum();
                if receivers == 0 {
                    break;
                }
            }
        }
    }
    eventually("closed clients still listed", || info_field(&c.cmd(&["INFO", "clients"]).text(), "connected_clients") == "1");
    // The server closes a socket when its last operation completes, which on a loaded
    // machine (the whole suite runs at once) can take seconds; the wait is long, and a
    // failure says which sockets stayed and in what TCP state.
    #[cfg(target_os = "linux")]
    {
        let deadline = Instant::now() + Duration::from_secs(30);
        while open_sockets(&pid) > fds {
            assert!(
                Instant::now() < deadline,
                "sockets of closed clients are still open: {} now, {fds} before; {}",
                open_sockets(&pid),
                socket_states(&pid)
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    assert_eq!(c.cmd(&["STRLEN", "big"]), int(4 * 1024 * 1024));
}

/// CLIENT KILL closes a client at once even while the server is writing it replies it
/// never reads, as Redis does: the unsent output is dropped, not waited for.
#[test]
fn a_killed_client_goes_at_once_even_in_the_middle_of_a_write() {
    let s = optimized_server();
    let mut c = s.client();
    assert_eq!(c.cmd_bytes(&[b"SET", b"big", &pattern(4 * 1024 * 1024, 5)]), ok());
    #[cfg(target_os = "linux")]
    let (pid, fds) = server_sockets(&mut c);
    // 32 MiB of replies, more than the kernel's socket buffers hold: the server's write
    // of them stays in flight for as long as the client does not read.
    let mut stalled = s.client();
    let id = stalled.cmd(&["CLIENT", "ID"]).int();
    let gets: Vec<u8> = (0..8).flat_map(|_| Client::encode(&[b"GET", b"big"])).collect();
    stalled.send_raw(&gets);
    let line = |c: &mut Client| c.cmd(&["CLIENT", "LIST"]).text().lines().find(|l| l.starts_with(&format!("id={id} "))).map(str::to_string);
    eventually("the GETs never ran", || line(&mut c).is_some_and(|l| l.contains(" cmd=get ")));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", &id.to_string()]), int(1));
    eventually("the killed client is still listed", || line(&mut c).is_none());
    #[cfg(target_os = "linux")]
    eventually("the killed client's socket is still open", || open_sockets(&pid) <= fds);
    drop(stalled);
}

/// INFO's `multiplexing_api` names the transport serving connections.
#[test]
fn info_names_the_transport_in_use() {
    let s = optimized_server();
    let info = s.client().cmd(&["INFO", "server"]).text();
    let expected = if cfg!(all(feature = "io_uring", target_os = "linux")) { "io_uring" } else { "tokio" };
    assert_eq!(info_field(&info, "multiplexing_api"), expected);
    assert!(s.log().contains(&format!("Network transport: {expected}")), "{}", s.log());
}

/// A seccomp policy that refuses `io_uring_setup` (as container runtimes' default
/// profiles do) leaves the server on tokio, saying so, and serving as usual.
#[cfg(all(feature = "io_uring", target_os = "linux"))]
#[test]
fn a_seccomp_policy_refusing_io_uring_falls_back_to_tokio() {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let log = std::fs::File::create(dir.path().join("log")).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_diskdb"));
    command.args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--transport", "io_uring"]).arg("--dir").arg(dir.path());
    // SAFETY: between fork and exec the closure makes only two prctl calls.
    unsafe { command.pre_exec(refuse_io_uring) };
    let mut child = command.stdout(Stdio::null()).stderr(log).spawn().unwrap();
    let answered = (|| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(30));
        }
        let mut c = Client::connect(port);
        assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
        assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
        info_field(&c.cmd(&["INFO", "server"]).text(), "multiplexing_api")
    })();
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(dir.path().join("log")).unwrap();
    assert_eq!(answered, "tokio");
    assert!(log.contains("io_uring unavailable (Operation not permitted"), "{log}");
    assert!(log.contains("using the tokio transport"), "{log}");
}

/// Installs a seccomp filter on the calling process: `io_uring_setup` fails with EPERM,
/// every other system call is allowed. (No architecture check: the test runs the
/// binary it was built with, on this machine's architecture.)
#[cfg(all(feature = "io_uring", target_os = "linux"))]
fn refuse_io_uring() -> std::io::Result<()> {
    let filter = [
        libc::sock_filter { code: (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16, jt: 0, jf: 0, k: 0 },
        libc::sock_filter { code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16, jt: 0, jf: 1, k: libc::SYS_io_uring_setup as u32 },
        libc::sock_filter { code: (libc::BPF_RET | libc::BPF_K) as u16, jt: 0, jf: 0, k: libc::SECCOMP_RET_ERRNO | libc::EPERM as u32 },
        libc::sock_filter { code: (libc::BPF_RET | libc::BPF_K) as u16, jt: 0, jf: 0, k: libc::SECCOMP_RET_ALLOW },
    ];
    let program = libc::sock_fprog { len: filter.len() as u16, filter: filter.as_ptr() as *mut libc::sock_filter };
    // SAFETY: `program` points at `filter`, both alive for the call; the kernel copies them.
    let refused = unsafe {
        libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
            || libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &program as *const libc::sock_fprog) != 0
    };
    if refused {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
