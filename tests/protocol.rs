//! The wire protocol: pipelining, inline commands, binary safety, requests split across
//! writes, protocol errors (which close only the offending connection), the generic
//! command errors, and RESP3 after `HELLO 3`.

mod common;
use common::*;

use std::io::{BufRead, Read, Write};
use std::time::Duration;

/// Writes bytes, ignoring a write error: the server may already have closed the
/// connection after rejecting the first part of an oversized request.
fn send_lenient(c: &mut Client, bytes: &[u8]) {
    let _ = c.stream.write_all(bytes);
}

/// Reads one raw reply line, CRLF included, to check the exact type byte.
fn raw_line(c: &mut Client) -> String {
    let mut line = String::new();
    c.reader.read_line(&mut line).unwrap();
    line
}

/// Sends `bytes` on a fresh connection and expects exactly the protocol error `expected`,
/// followed by the server closing the connection.
fn expect_protocol_error(server: &Server, bytes: &[u8], expected: &str) {
    let mut c = server.client();
    send_lenient(&mut c, bytes);
    assert_eq!(c.read(), err(expected), "reply to {:?}", String::from_utf8_lossy(&bytes[..bytes.len().min(40)]));
    assert!(c.is_closed(), "connection stays open after {expected}");
}

#[test]
fn a_thousand_pipelined_commands_are_answered_in_order() {
    let server = Server::start();
    let mut c = server.client();
    let mut batch = Vec::new();
    for i in 0..1000 {
        let cmd = match i % 4 {
            0 => Client::encode(&[b"SET", format!("k{i}").as_bytes(), format!("v{i}").as_bytes()]),
            1 => Client::encode(&[b"GET", format!("k{}", i - 1).as_bytes()]),
            2 => Client::encode(&[b"INCR", b"counter"]),
            _ => Client::encode(&[b"ECHO", format!("e{i}").as_bytes()]),
        };
        batch.extend(cmd);
    }
    // One write for all of them.
    c.send_raw(&batch);
    for i in 0..1000 {
        let expected = match i % 4 {
            0 => ok(),
            1 => bulk(&format!("v{}", i - 1)),
            2 => int(i / 4 + 1),
            _ => bulk(&format!("e{i}")),
        };
        assert_eq!(c.read(), expected, "reply {i}");
    }
    assert_eq!(c.cmd(&["GET", "counter"]), bulk("250"));
}

#[test]
fn inline_commands_work_like_redis() {
    let server = Server::start();
    let mut c = server.client();
    c.send_raw(b"SET a b\r\n");
    assert_eq!(c.read(), ok());
    // A bare \n ends an inline command too (nc, telnet).
    c.send_raw(b"GET a\n");
    assert_eq!(c.read(), bulk("b"));
    // Tabs and runs of spaces separate arguments; case does not matter.
    c.send_raw(b"  set\t  spaced    value   \r\n");
    assert_eq!(c.read(), ok());
    assert_eq!(c.cmd(&["GET", "spaced"]), bulk("value"));
    // Double quotes take C escapes, \xHH included; single quotes take \'.
    c.send_raw(b"SET quoted \"hello world\\x41\\n\\t\\\\\"\r\n");
    assert_eq!(c.read(), ok());
    assert_eq!(c.cmd(&["GET", "quoted"]), bulk("hello worldA\n\t\\"));
    c.send_raw(b"ECHO 'it\\'s \"x\"'\r\n");
    assert_eq!(c.read(), bulk("it's \"x\""));
    // Inside single quotes other escapes stay as written.
    c.send_raw(b"ECHO 'a\\nb'\r\n");
    assert_eq!(c.read(), bulk("a\\nb"));
    // An unknown escape keeps the character; an incomplete \x is a plain 'x'.
    c.send_raw(b"ECHO \"\\q\\x4\"\r\n");
    assert_eq!(c.read(), bulk("qx4"));
    // Empty quoted arguments are arguments.
    c.send_raw(b"ECHO \"\"\r\n");
    assert_eq!(c.read(), bulk(""));
    // A quote inside a word starts a quoted part of the same argument.
    c.send_raw(b"ECHO a\"b c\"\r\n");
    assert_eq!(c.read(), bulk("ab c"));
    // A lone CR inside the line separates arguments.
    c.send_raw(b"ECHO a\rb\r\n");
    assert_eq!(c.read(), err("ERR wrong number of arguments for 'echo' command"));
    // Inline and multibulk requests mix in one packet.
    let mut mixed = b"INCR n\r\n".to_vec();
    mixed.extend(Client::encode(&[b"INCR", b"n"]));
    mixed.extend(b"INCR n\n");
    c.send_raw(&mixed);
    assert_eq!((c.read(), c.read(), c.read()), (int(1), int(2), int(3)));
}

#[test]
fn empty_lines_and_empty_multibulks_are_ignored() {
    let server = Server::start();
    let mut c = server.client();
    c.send_raw(b"\r\n\n   \r\n\t\n*0\r\n*-1\r\nPING\r\n");
    assert_eq!(c.read(), Value::Simple("PONG".into()));
    // Nothing else was queued: the next reply belongs to the next command.
    assert_eq!(c.cmd(&["ECHO", "next"]), bulk("next"));
}

#[test]
fn arguments_are_binary_safe() {
    let server = Server::start();
    let mut c = server.client();
    let key: &[u8] = b"k\x00e\r\ny\xff";
    let all_bytes: Vec<u8> = (0..=255u8).collect();
    assert_eq!(c.cmd_bytes(&[b"SET", key, &all_bytes]), ok());
    assert_eq!(c.cmd_bytes(&[b"GET", key]), Value::Bulk(all_bytes.clone()));
    // The key is not confused with its prefix before the NUL byte.
    assert_eq!(c.cmd_bytes(&[b"GET", b"k"]), Value::Nil);
    // A payload that contains protocol-looking bytes.
    let tricky: &[u8] = b"\r\n*1\r\n$4\r\nPING\r\n";
    assert_eq!(c.cmd_bytes(&[b"ECHO", tricky]), Value::Bulk(tricky.to_vec()));
    // Empty key and value.
    assert_eq!(c.cmd_bytes(&[b"SET", b"", b""]), ok());
    assert_eq!(c.cmd_bytes(&[b"GET", b""]), bulk(""));
    // A 4 MiB value arrives across many reads.
    let big: Vec<u8> = (0..4 << 20).map(|i: u32| (i * 7 % 251) as u8).collect();
    assert_eq!(c.cmd_bytes(&[b"SET", b"big", &big]), ok());
    assert_eq!(c.cmd_bytes(&[b"STRLEN", b"big"]), int(big.len() as i64));
    assert_eq!(c.cmd_bytes(&[b"GET", b"big"]), Value::Bulk(big));
}

#[test]
fn a_request_split_into_single_bytes_is_reassembled() {
    let server = Server::start();
    let mut c = server.client();
    c.stream.set_nodelay(true).unwrap();
    let mut bytes = Client::encode(&[b"SET", b"split", b"v\r\nal\x00ue"]);
    bytes.extend(b"GET split\r\n");
    bytes.extend(Client::encode(&[b"APPEND", b"split", b"!"]));
    for (i, b) in bytes.iter().enumerate() {
        c.send_raw(&[*b]);
        // Pause now and then so the server really sees partial frames.
        if i % 8 == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    assert_eq!(c.read(), ok());
    assert_eq!(c.read(), bulk("v\r\nal\0ue"));
    assert_eq!(c.read(), int(9));
}

#[test]
fn malformed_requests_get_redis_protocol_errors_and_are_disconnected() {
    let server = Server::start();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"*x\r\n".to_vec(), "ERR Protocol error: invalid multibulk length"),
        (b"*+1\r\n".to_vec(), "ERR Protocol error: invalid multibulk length"),
        (b"*2147483648\r\n".to_vec(), "ERR Protocol error: invalid multibulk length"),
        (b"*1\r\n$-5\r\n".to_vec(), "ERR Protocol error: invalid bulk length"),
        (b"*1\r\n$-1\r\n".to_vec(), "ERR Protocol error: invalid bulk length"),
        (b"*1\r\n$x\r\n".to_vec(), "ERR Protocol error: invalid bulk length"),
        (b"*1\r\n$ 4\r\n".to_vec(), "ERR Protocol error: invalid bulk length"),
        (b"*1\r\n+OK\r\n".to_vec(), "ERR Protocol error: expected '$', got '+'"),
        (b"*2\r\n$4\r\nECHO\r\n:1\r\n".to_vec(), "ERR Protocol error: expected '$', got ':'"),
        (b"SET \"a b\r\n".to_vec(), "ERR Protocol error: unbalanced quotes in request"),
        (b"SET 'a\r\n".to_vec(), "ERR Protocol error: unbalanced quotes in request"),
        (b"SET \"a\"b c\r\n".to_vec(), "ERR Protocol error: unbalanced quotes in request"),
        // One byte over proto-max-bulk-len (512 MiB): refused from the header alone.
        (b"*2\r\n$4\r\nECHO\r\n$536870913\r\n".to_vec(), "ERR Protocol error: invalid bulk length"),
        (b"*1\r\n$99999999999999999999\r\n".to_vec(), "ERR Protocol error: invalid bulk length"),
    ];
    for (bytes, expected) in &cases {
        expect_protocol_error(&server, bytes, expected);
    }
    // The server is fine afterwards.
    assert_eq!(server.client().cmd(&["PING"]), Value::Simple("PONG".into()));
}

#[test]
fn oversized_lines_without_a_newline_are_refused() {
    let server = Server::start();
    // More than 64 KiB of inline request without a newline.
    expect_protocol_error(&server, &vec![b'a'; 70_000], "ERR Protocol error: too big inline request");
    let mut star = b"*".to_vec();
    star.extend(vec![b'1'; 70_000]);
    expect_protocol_error(&server, &star, "ERR Protocol error: too big mbulk count string");
    let mut dollar = b"*1\r\n$".to_vec();
    dollar.extend(vec![b'1'; 70_000]);
    expect_protocol_error(&server, &dollar, "ERR Protocol error: too big bulk count string");
    assert_eq!(server.client().cmd(&["PING"]), Value::Simple("PONG".into()));
}

#[test]
fn garbage_closes_only_its_own_connection_and_keeps_acknowledged_writes() {
    let server = Server::start();
    let mut bystander = server.client();
    assert_eq!(bystander.cmd(&["SET", "before", "1"]), ok());
    let mut bad = server.client();
    assert_eq!(bad.cmd(&["SET", "acked", "2"]), ok());
    // Commands ahead of the bad frame in the same packet run and are answered.
    let mut packet = Client::encode(&[b"SET", b"same-packet", b"3"]);
    packet.extend(b"PING\r\n");
    packet.extend(Client::encode(&[b"INCR", b"same-packet"]));
    packet.extend(b"*1\r\n+OK\r\n");
    packet.extend(Client::encode(&[b"SET", b"after-garbage", b"x"]));
    bad.send_raw(&packet);
    assert_eq!(bad.read(), ok());
    assert_eq!(bad.read(), Value::Simple("PONG".into()));
    assert_eq!(bad.read(), int(4));
    assert_eq!(bad.read(), err("ERR Protocol error: expected '$', got '+'"));
    assert!(bad.is_closed());
    // The other client never noticed, and every acknowledged write is there.
    assert_eq!(bystander.cmd(&["GET", "before"]), bulk("1"));
    assert_eq!(bystander.cmd(&["GET", "acked"]), bulk("2"));
    assert_eq!(bystander.cmd(&["GET", "same-packet"]), bulk("4"));
    // Nothing after the bad frame ran.
    assert_eq!(bystander.cmd(&["EXISTS", "after-garbage"]), int(0));
    assert_eq!(server.client().cmd(&["DBSIZE"]), int(3));
}

#[test]
fn an_inline_nul_byte_does_not_hurt_the_server() {
    let server = Server::start();
    let mut nul = server.client();
    // Redis's inline parser treats NUL as the end of the string; whatever the
    // connection does with it, the server must neither spin nor grow nor crash.
    nul.send_raw(b"ECHO \x00\r\n\x00\r\nECHO a\x00b\r\n");
    std::thread::sleep(Duration::from_millis(300));
    let mut other = server.client();
    assert_eq!(other.cmd(&["PING"]), Value::Simple("PONG".into()));
    let info = other.cmd(&["INFO", "memory"]).text();
    let rss: u64 = info_field(&info, "used_memory_rss").parse().unwrap();
    assert!(rss < 512 << 20, "server grew to {rss} bytes after an inline NUL");
}

/// The value of `field` in INFO text.
fn info_field(info: &str, field: &str) -> String {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in INFO:\n{info}"))
        .trim()
        .to_string()
}

#[test]
fn declared_but_unsent_bulks_are_not_allocated() {
    let server = Server::start();
    // Four clients each announce a 512 MiB argument (the largest allowed) and send
    // three bytes of it. Nothing may be reserved for what has not arrived.
    let mut waiting: Vec<Client> = (0..4).map(|_| server.client()).collect();
    for c in &mut waiting {
        c.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\nabc");
    }
    std::thread::sleep(Duration::from_millis(300));
    let mut other = server.client();
    assert_eq!(other.cmd(&["PING"]), Value::Simple("PONG".into()));
    let rss: u64 = info_field(&other.cmd(&["INFO", "memory"]).text(), "used_memory_rss").parse().unwrap();
    assert!(rss < 1 << 30, "rss {rss} after four declared 512 MiB bulks");
    drop(waiting);
    assert_eq!(other.cmd(&["EXISTS", "k"]), int(0));
}

#[test]
fn more_than_a_million_arguments_are_accepted() {
    // Redis 7 accepts any multibulk count up to INT_MAX; only memory limits the rest.
    let server = Server::start();
    let mut c = server.client();
    let n = 1024 * 1024 + 1;
    let mut req = format!("*{n}\r\n$4\r\nECHO\r\n").into_bytes();
    for _ in 1..n {
        req.extend_from_slice(b"$1\r\na\r\n");
    }
    c.send_raw(&req);
    assert_eq!(c.read(), err("ERR wrong number of arguments for 'echo' command"));
    assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()));
}

#[test]
fn unknown_commands_are_reported_with_their_first_arguments() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["foo", "a", "b"]), err("ERR unknown command 'foo', with args beginning with: 'a' 'b' "));
    assert_eq!(c.cmd(&["foo"]), err("ERR unknown command 'foo', with args beginning with: "));
    c.send_raw(b"foo a b\r\n");
    assert_eq!(c.read(), err("ERR unknown command 'foo', with args beginning with: 'a' 'b' "));
    // The name keeps its case; newlines become spaces so the error stays one line.
    assert_eq!(c.cmd(&["FoO", "a\r\nb"]), err("ERR unknown command 'FoO', with args beginning with: 'a  b' "));
}

#[test]
fn unknown_command_arguments_are_cut_at_128_characters() {
    let server = Server::start();
    let mut c = server.client();
    let (a, b, cc) = ("a".repeat(60), "b".repeat(60), "c".repeat(60));
    // Redis counts only the quoted arguments towards the 128 characters.
    assert_eq!(c.cmd(&["foo", &a, &b, &cc, "d"]), err(&format!("ERR unknown command 'foo', with args beginning with: '{a}' '{b}' 'cc' ")));
    assert_eq!(
        c.cmd(&["foo", &"x".repeat(200)]),
        err(&format!("ERR unknown command 'foo', with args beginning with: '{}' ", "x".repeat(128)))
    );
    assert_eq!(c.cmd(&[&"f".repeat(200)]), err(&format!("ERR unknown command '{}', with args beginning with: ", "f".repeat(128))));
}

#[test]
fn wrong_arity_is_reported_with_the_lowercase_command_name() {
    let server = Server::start();
    let mut c = server.client();
    let cases: &[(&[&str], &str)] = &[
        (&["GET"], "get"),
        (&["get", "a", "b"], "get"),
        (&["SET", "a"], "set"),
        (&["ECHO"], "echo"),
        (&["ECHO", "a", "b"], "echo"),
        (&["PING", "a", "b"], "ping"),
        (&["SELECT"], "select"),
        (&["INCR"], "incr"),
        (&["MGET"], "mget"),
        (&["DEL"], "del"),
        (&["TIME", "x"], "time"),
        (&["DBSIZE", "x"], "dbsize"),
        (&["RESET", "x"], "reset"),
        (&["CONFIG"], "config"),
        (&["CONFIG", "GET"], "config|get"),
        (&["CONFIG", "RESETSTAT", "x"], "config|resetstat"),
        (&["CLIENT"], "client"),
        (&["CLIENT", "SETNAME"], "client|setname"),
        (&["CLIENT", "ID", "x"], "client|id"),
        (&["COMMAND", "COUNT", "x"], "command|count"),
    ];
    for (args, name) in cases {
        assert_eq!(c.cmd(args), err(&format!("ERR wrong number of arguments for '{name}' command")), "{args:?}");
    }
}

#[test]
fn command_names_are_case_insensitive() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["set", "k", "1"]), ok());
    assert_eq!(c.cmd(&["SeT", "k", "2"]), ok());
    assert_eq!(c.cmd(&["gEt", "k"]), bulk("2"));
    assert_eq!(c.cmd(&["incr", "k"]), int(3));
    assert_eq!(c.cmd(&["PiNg"]), Value::Simple("PONG".into()));
    let id = c.cmd(&["client", "id"]).int();
    assert_eq!(c.cmd(&["ClIeNt", "Id"]), int(id));
    assert_eq!(c.cmd(&["config", "get", "maxmemory"]), arr(vec![bulk("maxmemory"), bulk("0")]));
    c.send_raw(b"echo lower\r\n");
    assert_eq!(c.read(), bulk("lower"));
}

#[test]
fn hello_3_switches_to_resp3_and_hello_2_back() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["SET", "f", "1.5"]), ok());
    let hello = c.cmd(&["HELLO", "3"]);
    let Value::Map(fields) = hello else { panic!("HELLO 3 replies with a map, got {hello:?}") };
    assert!(fields.contains(&(bulk("proto"), int(3))), "{fields:?}");

    // Nulls are `_`.
    c.send_raw(&Client::encode(&[b"GET", b"missing"]));
    assert_eq!(raw_line(&mut c), "_\r\n");
    // Status and integer replies are unchanged.
    assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()));
    assert_eq!(c.cmd(&["EXISTS", "f"]), int(1));
    // INCRBYFLOAT stays a bulk string in RESP3, as in Redis.
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "1"]), bulk("2.5"));
    // Key/value replies are maps.
    assert_eq!(c.cmd(&["CONFIG", "GET", "maxmemory"]), Value::Map(vec![(bulk("maxmemory"), bulk("0"))]));
    // Text for humans is verbatim `=` with the txt format.
    c.send_raw(&Client::encode(&[b"INFO", b"server"]));
    let header = raw_line(&mut c);
    assert!(header.starts_with('='), "INFO in RESP3 is verbatim, got {header:?}");
    let len: usize = header[1..header.len() - 2].parse().unwrap();
    let mut body = vec![0u8; len + 2];
    c.reader.read_exact(&mut body).unwrap();
    assert!(body.starts_with(b"txt:# Server\r\n"), "{:?}", String::from_utf8_lossy(&body[..40]));
    let Value::Verbatim(list) = c.cmd(&["CLIENT", "LIST"]) else { panic!("CLIENT LIST is verbatim in RESP3") };
    assert!(list.contains("resp=3"), "{list}");
    let Value::Verbatim(me) = c.cmd(&["CLIENT", "INFO"]) else { panic!("CLIENT INFO is verbatim in RESP3") };
    assert!(me.contains("resp=3"), "{me}");
    // COMMAND INFO of an unknown command is a null inside the array.
    c.send_raw(&Client::encode(&[b"COMMAND", b"INFO", b"nosuch"]));
    assert_eq!(raw_line(&mut c), "*1\r\n");
    assert_eq!(raw_line(&mut c), "_\r\n");
    // HELLO without a version keeps RESP3.
    let Value::Map(fields) = c.cmd(&["HELLO"]) else { panic!("HELLO in RESP3 is a map") };
    assert!(fields.contains(&(bulk("proto"), int(3))));

    // HELLO 2: flat arrays and $-1 again.
    let Value::Array(flat) = c.cmd(&["HELLO", "2"]) else { panic!("HELLO 2 replies with an array") };
    assert_eq!(flat.len(), 14);
    assert_eq!(&flat[4..6], &[bulk("proto"), int(2)]);
    c.send_raw(&Client::encode(&[b"GET", b"missing"]));
    assert_eq!(raw_line(&mut c), "$-1\r\n");
    c.send_raw(&Client::encode(&[b"COMMAND", b"INFO", b"nosuch"]));
    assert_eq!(raw_line(&mut c), "*1\r\n");
    assert_eq!(raw_line(&mut c), "$-1\r\n");
    assert_eq!(c.cmd(&["CONFIG", "GET", "maxmemory"]), arr(vec![bulk("maxmemory"), bulk("0")]));
    assert!(matches!(c.cmd(&["INFO", "server"]), Value::Bulk(_)));
    assert!(matches!(c.cmd(&["CLIENT", "INFO"]), Value::Bulk(b) if String::from_utf8_lossy(&b).contains("resp=2")));
}

#[test]
fn resp3_is_per_connection() {
    let server = Server::start();
    let mut three = server.client();
    let mut two = server.client();
    assert!(matches!(three.cmd(&["HELLO", "3"]), Value::Map(_)));
    two.send_raw(&Client::encode(&[b"GET", b"missing"]));
    assert_eq!(raw_line(&mut two), "$-1\r\n");
    three.send_raw(&Client::encode(&[b"GET", b"missing"]));
    assert_eq!(raw_line(&mut three), "_\r\n");
}
