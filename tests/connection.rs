//! Connection commands: PING, ECHO, QUIT, SELECT, AUTH and HELLO (with and without
//! `requirepass`), RESET, the CLIENT family, and `maxclients`.

mod common;
use common::*;

use std::time::{Duration, Instant};

fn pong() -> Value {
    Value::Simple("PONG".into())
}

const NOAUTH: &str = "NOAUTH Authentication required.";
const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";
/// Redis 7.2's wording (7.0 said `HELLO AUTH <user> <pass>`).
const NOAUTH_HELLO: &str = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time";
const BAD_NAME: &str = "ERR Client names cannot contain spaces, newlines or special characters.";

/// HELLO's reply as (field, value) pairs, from a RESP2 array or a RESP3 map.
fn hello_fields(v: Value) -> Vec<(String, Value)> {
    match v {
        Value::Map(pairs) => pairs.into_iter().map(|(k, v)| (k.text(), v)).collect(),
        Value::Array(items) => items.chunks(2).map(|p| (p[0].text(), p[1].clone())).collect(),
        other => panic!("HELLO replied {other:?}"),
    }
}

fn field(fields: &[(String, Value)], name: &str) -> Value {
    fields.iter().find(|(k, _)| k == name).unwrap_or_else(|| panic!("no {name} in {fields:?}")).1.clone()
}

/// The `key=value` fields of one CLIENT LIST / CLIENT INFO line.
fn client_fields(line: &str) -> Vec<(String, String)> {
    line.split_whitespace().filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn client_field(line: &str, name: &str) -> String {
    client_fields(line).into_iter().find(|(k, _)| k == name).unwrap_or_else(|| panic!("no {name}= in {line:?}")).1
}

/// The CLIENT LIST line of client `id`.
fn list_line(c: &mut Client, id: i64) -> Option<String> {
    c.cmd(&["CLIENT", "LIST"]).text().lines().find(|l| l.starts_with(&format!("id={id} "))).map(str::to_string)
}

#[test]
fn ping_with_and_without_a_message() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["PING"]), pong());
    assert_eq!(c.cmd(&["PING", "hello world"]), bulk("hello world"));
    assert_eq!(c.cmd_bytes(&[b"PING", b"\x00\xff"]), Value::Bulk(vec![0, 255]));
    assert_eq!(c.cmd(&["PING", "a", "b"]), err("ERR wrong number of arguments for 'ping' command"));
    assert!(matches!(c.cmd(&["HELLO", "3"]), Value::Map(_)));
    assert_eq!(c.cmd(&["PING"]), pong());
    assert_eq!(c.cmd(&["PING", "x"]), bulk("x"));
}

#[test]
fn echo_returns_its_argument() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["ECHO", "hi"]), bulk("hi"));
    assert_eq!(c.cmd(&["ECHO", ""]), bulk(""));
    assert_eq!(c.cmd_bytes(&[b"ECHO", b"a\r\nb\x00"]), Value::Bulk(b"a\r\nb\x00".to_vec()));
    assert_eq!(c.cmd(&["ECHO"]), err("ERR wrong number of arguments for 'echo' command"));
    assert_eq!(c.cmd(&["ECHO", "a", "b"]), err("ERR wrong number of arguments for 'echo' command"));
}

#[test]
fn quit_replies_ok_then_closes() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    // Commands pipelined after QUIT are not run.
    let mut batch = Client::encode(&[b"QUIT"]);
    batch.extend(Client::encode(&[b"SET", b"k", b"after-quit"]));
    c.send_raw(&batch);
    assert_eq!(c.read(), ok());
    assert!(c.is_closed());
    let mut c = server.client();
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
    // QUIT ignores arguments.
    assert_eq!(c.cmd(&["QUIT", "now"]), ok());
    assert!(c.is_closed());
}

#[test]
fn select_switches_databases_within_range() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["SET", "k", "zero"]), ok());
    assert_eq!(c.cmd(&["SELECT", "15"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), Value::Nil);
    assert_eq!(c.cmd(&["SET", "k", "fifteen"]), ok());
    assert_eq!(c.cmd(&["SELECT", "0"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), bulk("zero"));
    for bad in ["16", "-1", "1000"] {
        assert_eq!(c.cmd(&["SELECT", bad]), err("ERR DB index is out of range"), "SELECT {bad}");
    }
    for bad in ["x", "1.5", "", "99999999999999999999"] {
        assert_eq!(c.cmd(&["SELECT", bad]), err("ERR value is not an integer or out of range"), "SELECT {bad:?}");
    }
    // A failed SELECT leaves the database as it was.
    assert_eq!(c.cmd(&["GET", "k"]), bulk("zero"));
    // The selection belongs to the connection.
    assert_eq!(c.cmd(&["SELECT", "15"]), ok());
    assert_eq!(server.client().cmd(&["GET", "k"]), bulk("zero"));
}

#[test]
fn auth_without_requirepass() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(
        c.cmd(&["AUTH", "x"]),
        err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
    );
    // The default user has no password: any password works for it, no other user exists.
    assert_eq!(c.cmd(&["AUTH", "default", "anything"]), ok());
    assert_eq!(c.cmd(&["AUTH", "bob", "anything"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["AUTH", "a", "b", "c"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["AUTH"]), err("ERR wrong number of arguments for 'auth' command"));
    assert_eq!(c.cmd(&["PING"]), pong());
}

#[test]
fn requirepass_blocks_commands_until_auth() {
    let server = Server::start_with(&["--requirepass", "s3cret"]);
    let mut c = server.client();
    assert_eq!(c.cmd(&["PING"]), err(NOAUTH));
    assert_eq!(c.cmd(&["GET", "a"]), err(NOAUTH));
    assert_eq!(c.cmd(&["SELECT", "1"]), err(NOAUTH));
    assert_eq!(c.cmd(&["CLIENT", "ID"]), err(NOAUTH));
    // Lookup and arity are checked before authentication, as in Redis.
    assert_eq!(c.cmd(&["nosuch"]), err("ERR unknown command 'nosuch', with args beginning with: "));
    assert_eq!(c.cmd(&["GET"]), err("ERR wrong number of arguments for 'get' command"));
    assert_eq!(c.cmd(&["AUTH", "wrong"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["AUTH", "default", "wrong"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["AUTH", "bob", "s3cret"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["AUTH", "a", "b", "c"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["PING"]), err(NOAUTH));
    assert_eq!(c.cmd(&["AUTH", "s3cret"]), ok());
    assert_eq!(c.cmd(&["PING"]), pong());
    assert_eq!(c.cmd(&["SET", "a", "1"]), ok());
    // A failed AUTH after a good one does not log the connection out.
    assert_eq!(c.cmd(&["AUTH", "wrong"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["GET", "a"]), bulk("1"));

    let mut d = server.client();
    assert_eq!(d.cmd(&["AUTH", "default", "s3cret"]), ok());
    assert_eq!(d.cmd(&["GET", "a"]), bulk("1"));
    // QUIT needs no authentication.
    let mut e = server.client();
    assert_eq!(e.cmd(&["QUIT"]), ok());
    assert!(e.is_closed());
}

#[test]
fn hello_and_requirepass() {
    let server = Server::start_with(&["--requirepass", "s3cret"]);
    let mut c = server.client();
    assert_eq!(c.cmd(&["HELLO"]), err(NOAUTH_HELLO));
    assert_eq!(c.cmd(&["HELLO", "3"]), err(NOAUTH_HELLO));
    assert_eq!(c.cmd(&["HELLO", "3", "SETNAME", "x"]), err(NOAUTH_HELLO));
    assert_eq!(c.cmd(&["HELLO", "3", "AUTH", "default", "wrong"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["HELLO", "2", "AUTH", "bob", "s3cret"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["PING"]), err(NOAUTH));
    // NOPROTO comes before the authentication check.
    assert_eq!(c.cmd(&["HELLO", "4"]), err("NOPROTO unsupported protocol version"));
    let fields = hello_fields(c.cmd(&["HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "my-app"]));
    assert_eq!(field(&fields, "proto"), int(3));
    assert_eq!(c.cmd(&["PING"]), pong());
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), bulk("my-app"));
    // Once authenticated, HELLO works without AUTH.
    assert_eq!(field(&hello_fields(c.cmd(&["HELLO", "2"])), "proto"), int(2));
}

#[test]
fn hello_with_a_bad_name_changes_nothing() {
    let server = Server::start_with(&["--requirepass", "s3cret"]);
    let mut c = server.client();
    // Redis validates every option before it authenticates or switches protocol.
    assert_eq!(c.cmd(&["HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "a b"]), err(BAD_NAME));
    assert_eq!(c.cmd(&["PING"]), err(NOAUTH));
    assert_eq!(c.cmd(&["AUTH", "s3cret"]), ok());
    assert_eq!(c.cmd(&["HELLO", "3", "SETNAME", "bad\nname"]), err(BAD_NAME));
    // Still RESP2: a RESP3 client would get a map here.
    assert!(matches!(c.cmd(&["CONFIG", "GET", "maxclients"]), Value::Array(_)));
}

#[test]
fn unauthenticated_clients_may_not_send_big_requests() {
    // Redis 7 limits what an unauthenticated client can make the server buffer:
    // at most 10 arguments and 16 KiB per argument.
    let server = Server::start_with(&["--requirepass", "s3cret"]);
    let mut c = server.client();
    // Fail fast rather than wait out the harness's 30 s read timeout.
    c.stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.send_raw(b"*11\r\n");
    assert_eq!(c.read(), err("ERR Protocol error: unauthenticated multibulk length"));
    assert!(c.is_closed());
    let mut c = server.client();
    c.send_raw(b"*1\r\n$16385\r\n");
    assert_eq!(c.read(), err("ERR Protocol error: unauthenticated bulk length"));
    assert!(c.is_closed());
    // Within the limits the request is simply refused, and after AUTH they no longer apply.
    let mut c = server.client();
    let ten: Vec<&str> = std::iter::once("MGET").chain(std::iter::repeat("k").take(9)).collect();
    assert_eq!(c.cmd(&ten), err(NOAUTH));
    assert_eq!(c.cmd(&["AUTH", "s3cret"]), ok());
    let eleven: Vec<&str> = std::iter::once("MGET").chain(std::iter::repeat("k").take(10)).collect();
    assert_eq!(c.cmd(&eleven).array().len(), 10);
    let big = "v".repeat(20_000);
    assert_eq!(c.cmd(&["SET", "big", &big]), ok());
}

#[test]
fn hello_replies_with_server_details() {
    let server = Server::start();
    let mut c = server.client();
    let id = c.cmd(&["CLIENT", "ID"]).int();
    let reply = c.cmd(&["HELLO"]);
    let Value::Array(flat) = &reply else { panic!("HELLO without arguments stays RESP2: {reply:?}") };
    let names: Vec<String> = flat.iter().step_by(2).map(Value::text).collect();
    assert_eq!(names, ["server", "version", "proto", "id", "mode", "role", "modules"]);
    let fields = hello_fields(reply);
    assert_eq!(field(&fields, "server"), bulk("redis"));
    let version = field(&fields, "version").text();
    assert!(version.starts_with("7."), "{version}");
    if !server.is_reference() {
        // Documented: DiskDB reports Redis 7.2.0 for client compatibility.
        assert_eq!(version, "7.2.0");
    }
    assert_eq!(field(&fields, "proto"), int(2));
    assert_eq!(field(&fields, "id"), int(id));
    assert_eq!(field(&fields, "mode"), bulk("standalone"));
    assert_eq!(field(&fields, "role"), bulk("master"));
    assert_eq!(field(&fields, "modules"), arr(vec![]));

    let fields = hello_fields(c.cmd(&["hello", "3", "setname", "conn-1"]));
    assert_eq!(field(&fields, "proto"), int(3));
    assert_eq!(field(&fields, "id"), int(id));
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), bulk("conn-1"));
}

#[test]
fn hello_errors() {
    let server = Server::start();
    let mut c = server.client();
    for v in ["1", "4", "-1", "0"] {
        assert_eq!(c.cmd(&["HELLO", v]), err("NOPROTO unsupported protocol version"), "HELLO {v}");
    }
    for v in ["x", "3.0", ""] {
        assert_eq!(c.cmd(&["HELLO", v]), err("ERR Protocol version is not an integer or out of range"), "HELLO {v:?}");
    }
    assert_eq!(c.cmd(&["HELLO", "3", "FOO"]), err("ERR Syntax error in HELLO option 'FOO'"));
    assert_eq!(c.cmd(&["HELLO", "3", "AUTH", "default"]), err("ERR Syntax error in HELLO option 'AUTH'"));
    assert_eq!(c.cmd(&["HELLO", "3", "SETNAME"]), err("ERR Syntax error in HELLO option 'SETNAME'"));
    assert_eq!(c.cmd(&["HELLO", "3", "SETNAME", "a b"]), err(BAD_NAME));
    // None of the failures switched the protocol.
    assert!(matches!(c.cmd(&["CONFIG", "GET", "maxclients"]), Value::Array(_)));
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Value::Nil);
}

#[test]
fn reset_restores_a_fresh_connection() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["SELECT", "3"]), ok());
    assert_eq!(c.cmd(&["SET", "in3", "x"]), ok());
    assert!(matches!(c.cmd(&["HELLO", "3", "SETNAME", "before-reset"]), Value::Map(_)));
    let id = c.cmd(&["CLIENT", "ID"]).int();
    assert_eq!(c.cmd(&["RESET"]), Value::Simple("RESET".into()));
    // Back to db 0, RESP2, no name; same connection id.
    assert_eq!(c.cmd(&["GET", "in3"]), Value::Nil);
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Value::Nil);
    assert_eq!(c.cmd(&["CLIENT", "ID"]), int(id));
    let info = c.cmd(&["CLIENT", "INFO"]);
    assert!(matches!(info, Value::Bulk(_)), "RESP2 after RESET: {info:?}");
    let info = info.text();
    assert_eq!(client_field(&info, "db"), "0");
    assert_eq!(client_field(&info, "resp"), "2");
    assert_eq!(client_field(&info, "name"), "");
    assert_eq!(c.cmd(&["RESET", "x"]), err("ERR wrong number of arguments for 'reset' command"));
}

#[test]
fn reset_logs_out_when_a_password_is_required() {
    let server = Server::start_with(&["--requirepass", "s3cret"]);
    let mut c = server.client();
    // RESET is allowed before AUTH.
    assert_eq!(c.cmd(&["RESET"]), Value::Simple("RESET".into()));
    assert_eq!(c.cmd(&["AUTH", "s3cret"]), ok());
    assert_eq!(c.cmd(&["SELECT", "2"]), ok());
    assert_eq!(c.cmd(&["RESET"]), Value::Simple("RESET".into()));
    assert_eq!(c.cmd(&["GET", "a"]), err(NOAUTH));
    assert_eq!(c.cmd(&["PING"]), err(NOAUTH));
    assert_eq!(c.cmd(&["AUTH", "s3cret"]), ok());
    assert_eq!(client_field(&c.cmd(&["CLIENT", "INFO"]).text(), "db"), "0");
}

#[test]
fn client_id_is_unique_and_increasing() {
    let server = Server::start();
    let mut a = server.client();
    let ia = a.cmd(&["CLIENT", "ID"]).int();
    // b connects after a has been served, so it is certainly the newer connection.
    let mut b = server.client();
    let ib = b.cmd(&["CLIENT", "ID"]).int();
    assert!(ia > 0 && ib > ia, "{ia} {ib}");
    drop(b);
    let mut c = server.client();
    let ic = c.cmd(&["CLIENT", "ID"]).int();
    assert!(ic > ib, "ids are never reused: {ic} after {ib}");
    assert_eq!(a.cmd(&["CLIENT", "ID"]), int(ia));
    assert_eq!(a.cmd(&["CLIENT", "ID", "x"]), err("ERR wrong number of arguments for 'client|id' command"));
}

#[test]
fn client_setname_and_getname() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Value::Nil);
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "worker-1"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), bulk("worker-1"));
    for bad in ["a b", "a\nb", "tab\there", "caf\u{e9}", "del\x7f"] {
        assert_eq!(c.cmd(&["CLIENT", "SETNAME", bad]), err(BAD_NAME), "{bad:?}");
    }
    // A refused name leaves the old one.
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), bulk("worker-1"));
    // Every printable ASCII character but space is allowed.
    let printable: String = ('!'..='~').collect();
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", &printable]), ok());
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), bulk(&printable));
    // The empty name clears it.
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", ""]), ok());
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Value::Nil);
    assert_eq!(c.cmd(&["CLIENT", "SETNAME"]), err("ERR wrong number of arguments for 'client|setname' command"));
}

#[test]
fn client_list_shows_every_connection() {
    let server = Server::start();
    let mut a = server.client();
    let mut b = server.client();
    assert_eq!(b.cmd(&["CLIENT", "SETNAME", "bee"]), ok());
    assert_eq!(b.cmd(&["SELECT", "5"]), ok());
    let (ia, ib) = (a.cmd(&["CLIENT", "ID"]).int(), b.cmd(&["CLIENT", "ID"]).int());
    let list = a.cmd(&["CLIENT", "LIST"]).text();
    assert!(list.ends_with('\n'), "{list:?}");
    let line_a = list_line(&mut a, ia).unwrap_or_else(|| panic!("id={ia} missing from {list}"));
    let line_b = list_line(&mut a, ib).unwrap_or_else(|| panic!("id={ib} missing from {list}"));
    assert_eq!(client_field(&line_a, "name"), "");
    assert_eq!(client_field(&line_a, "db"), "0");
    assert_eq!(client_field(&line_b, "name"), "bee");
    assert_eq!(client_field(&line_b, "db"), "5");
    for line in [&line_a, &line_b] {
        let fields: Vec<String> = client_fields(line).into_iter().map(|(k, _)| k).collect();
        for f in ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "cmd", "user", "resp"] {
            assert!(fields.iter().any(|k| k == f), "{f}= missing in {line}");
        }
        assert_eq!(client_field(line, "laddr"), format!("127.0.0.1:{}", server.port));
        assert_eq!(client_field(line, "user"), "default");
    }
    // Filters.
    let only_b = a.cmd(&["CLIENT", "LIST", "ID", &ib.to_string()]).text();
    assert_eq!(only_b.lines().count(), 1);
    assert!(only_b.starts_with(&format!("id={ib} ")));
    let both = a.cmd(&["CLIENT", "LIST", "ID", &ia.to_string(), &ib.to_string(), "999999"]).text();
    assert_eq!(both.lines().count(), 2);
    assert_eq!(a.cmd(&["CLIENT", "LIST", "ID", "999999"]), bulk(""));
    assert!(a.cmd(&["CLIENT", "LIST", "TYPE", "normal"]).text().contains(&format!("id={ia} ")));
    assert!(a.cmd(&["client", "list", "type", "NORMAL"]).text().contains(&format!("id={ib} ")));
    assert_eq!(a.cmd(&["CLIENT", "LIST", "TYPE", "foo"]), err("ERR Unknown client type 'foo'"));
    assert_eq!(a.cmd(&["CLIENT", "LIST", "ID", "abc"]), err("ERR Invalid client ID"));
    assert_eq!(a.cmd(&["CLIENT", "LIST", "foo"]), err("ERR syntax error"));
    // A closed connection leaves the list.
    drop(b);
    let deadline = Instant::now() + Duration::from_secs(10);
    while list_line(&mut a, ib).is_some() {
        assert!(Instant::now() < deadline, "closed client {ib} still listed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn client_info_describes_the_caller() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "me"]), ok());
    assert_eq!(c.cmd(&["SELECT", "2"]), ok());
    let id = c.cmd(&["CLIENT", "ID"]).int();
    let info = c.cmd(&["CLIENT", "INFO"]).text();
    assert_eq!(info.lines().count(), 1);
    assert!(info.ends_with('\n'));
    assert_eq!(client_field(&info, "id"), id.to_string());
    assert_eq!(client_field(&info, "name"), "me");
    assert_eq!(client_field(&info, "db"), "2");
    assert_eq!(client_field(&info, "resp"), "2");
    let local = c.stream.local_addr().unwrap();
    assert_eq!(client_field(&info, "addr"), local.to_string());
}

#[test]
fn client_info_and_list_name_the_running_subcommand() {
    let server = Server::start();
    let mut c = server.client();
    let info = c.cmd(&["CLIENT", "INFO"]).text();
    assert_eq!(client_field(&info, "cmd"), "client|info");
    let id = c.cmd(&["CLIENT", "ID"]).int();
    let list = c.cmd(&["CLIENT", "LIST", "ID", &id.to_string()]).text();
    assert_eq!(client_field(&list, "cmd"), "client|list");
}

#[test]
fn client_kill_by_id_closes_the_other_connection() {
    let server = Server::start();
    let mut killer = server.client();
    let mut victim = server.client();
    let id = victim.cmd(&["CLIENT", "ID"]).int();
    assert_eq!(killer.cmd(&["CLIENT", "KILL", "ID", &id.to_string()]), int(1));
    assert!(victim.is_closed(), "killed client still connected");
    assert!(list_line(&mut killer, id).is_none());
    // Killing it again finds nobody.
    assert_eq!(killer.cmd(&["CLIENT", "KILL", "ID", &id.to_string()]), int(0));
    assert_eq!(killer.cmd(&["PING"]), pong());
}

#[test]
fn client_kill_by_addr_both_forms() {
    let server = Server::start();
    let mut killer = server.client();
    // New form: CLIENT KILL ADDR ip:port replies with a count.
    let mut v1 = server.client();
    // A round trip first, so the server has registered the connection.
    assert_eq!(v1.cmd(&["PING"]), pong());
    let addr = v1.stream.local_addr().unwrap().to_string();
    assert_eq!(killer.cmd(&["CLIENT", "KILL", "ADDR", &addr]), int(1));
    assert!(v1.is_closed());
    assert_eq!(killer.cmd(&["CLIENT", "KILL", "ADDR", "1.2.3.4:5"]), int(0));
    // Old form: CLIENT KILL ip:port replies OK, or an error when nobody matches.
    let mut v2 = server.client();
    assert_eq!(v2.cmd(&["PING"]), pong());
    let addr = v2.stream.local_addr().unwrap().to_string();
    assert_eq!(killer.cmd(&["CLIENT", "KILL", &addr]), ok());
    assert!(v2.is_closed());
    assert_eq!(killer.cmd(&["CLIENT", "KILL", &addr]), err("ERR No such client"));
    assert_eq!(killer.cmd(&["CLIENT", "KILL", "ID"]), err("ERR No such client"));
    assert_eq!(killer.cmd(&["PING"]), pong());
}

#[test]
fn client_kill_skipme() {
    let server = Server::start();
    let mut c = server.client();
    let id = c.cmd(&["CLIENT", "ID"]).int().to_string();
    // SKIPME defaults to yes: a client does not kill itself.
    assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", &id]), int(0));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", &id, "SKIPME", "yes"]), int(0));
    assert_eq!(c.cmd(&["PING"]), pong());
    // With SKIPME no it does: the reply arrives, then the connection closes, and
    // commands pipelined behind it are not run.
    let mut batch = Client::encode(&[b"CLIENT", b"KILL", b"ID", id.as_bytes(), b"SKIPME", b"no"]);
    batch.extend(Client::encode(&[b"SET", b"after-kill", b"1"]));
    c.send_raw(&batch);
    assert_eq!(c.read(), int(1));
    assert!(c.is_closed());
    assert_eq!(server.client().cmd(&["EXISTS", "after-kill"]), int(0));
}

#[test]
fn client_kill_errors() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", "x"]), err("ERR client-id should be greater than 0"));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", "0"]), err("ERR client-id should be greater than 0"));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "FOO", "x"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "SKIPME", "maybe"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "ID", "999999"]), int(0));
    assert_eq!(c.cmd(&["CLIENT", "KILL"]), err("ERR wrong number of arguments for 'client|kill' command"));
}

#[test]
fn client_setinfo_records_library_details() {
    let server = Server::start();
    if server.is_reference() {
        // CLIENT SETINFO is Redis 7.2; Debian's reference is 7.0.
        return;
    }
    let mut c = server.client();
    assert_eq!(c.cmd(&["CLIENT", "SETINFO", "LIB-NAME", "redis-py"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "SETINFO", "lib-ver", "5.0.1"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "SETINFO", "FOO", "x"]), err("ERR Unrecognized option 'FOO'"));
    assert_eq!(
        c.cmd(&["CLIENT", "SETINFO", "LIB-NAME", "with space"]),
        err("ERR LIB-NAME cannot contain spaces, newlines or special characters.")
    );
    assert_eq!(c.cmd(&["CLIENT", "SETINFO", "lib-ver", "1\n2"]), err("ERR lib-ver cannot contain spaces, newlines or special characters."));
    assert_eq!(c.cmd(&["CLIENT", "SETINFO", "LIB-NAME"]), err("ERR wrong number of arguments for 'client|setinfo' command"));
}

#[test]
fn client_help_and_unknown_subcommands() {
    let server = Server::start();
    let mut c = server.client();
    let help = c.cmd(&["CLIENT", "HELP"]).array();
    let lines: Vec<String> = help
        .iter()
        .map(|v| match v {
            Value::Simple(s) => s.clone(),
            other => panic!("help lines are status replies, got {other:?}"),
        })
        .collect();
    assert_eq!(lines[0], "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    assert_eq!(&lines[lines.len() - 2..], ["HELP", "    Prints this help."]);
    for sub in ["GETNAME", "ID", "INFO", "KILL <ip:port>", "SETNAME <name>"] {
        assert!(lines.iter().any(|l| l.starts_with(sub)), "{sub} missing from {lines:?}");
    }
    assert_eq!(c.cmd(&["CLIENT", "FOO"]), err("ERR unknown subcommand 'FOO'. Try CLIENT HELP."));
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "on"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "maybe"]), err("ERR syntax error"));
}

/// Connects and waits until the server answers PING (a just-closed connection may still
/// count against maxclients for a moment).
fn connect_admitted(server: &Server) -> Client {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut c = server.client();
        c.send_raw(&Client::encode(&[b"PING"]));
        match c.read() {
            Value::Simple(s) if s == "PONG" => return c,
            Value::Error(e) if e == "ERR max number of clients reached" && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => panic!("unexpected reply {other:?}"),
        }
    }
}

#[test]
fn maxclients_refuses_extra_connections() {
    let server = Server::start_with(&["--maxclients", "2"]);
    let mut a = connect_admitted(&server);
    let _b = connect_admitted(&server);
    let mut third = server.client();
    assert_eq!(third.read(), err("ERR max number of clients reached"));
    assert!(third.is_closed());
    assert_eq!(a.cmd(&["PING"]), pong());
    let info = a.cmd(&["INFO", "clients"]).text();
    assert!(info.contains("maxclients:2\r\n"), "{info}");
    assert!(info.contains("connected_clients:2\r\n"), "{info}");
    let stats = a.cmd(&["INFO", "stats"]).text();
    assert!(!stats.contains("rejected_connections:0\r\n"), "{stats}");
    // A freed slot can be taken again.
    drop(_b);
    let _c = connect_admitted(&server);
    // maxclients changes at run time.
    assert_eq!(a.cmd(&["CONFIG", "SET", "maxclients", "3"]), ok());
    let _d = connect_admitted(&server);
    let mut fourth = server.client();
    assert_eq!(fourth.read(), err("ERR max number of clients reached"));
}

#[test]
fn client_pause_write_holds_writes_until_unpause() {
    let server = Server::start();
    let mut admin = server.client();
    let mut c = server.client();
    assert_eq!(admin.cmd(&["CLIENT", "PAUSE", "60000", "WRITE"]), ok());
    // The read before the write is answered; the write and what follows it wait.
    c.send_pipeline(&[&["GET", "k"], &["SET", "k", "1"], &["GET", "k"]]);
    assert_eq!(c.read(), Value::Nil);
    let mut other = server.client();
    assert_eq!(other.cmd(&["GET", "k"]), Value::Nil);
    assert_eq!(other.cmd(&["MULTI"]), ok());
    assert_eq!(other.cmd(&["GET", "k"]), Value::Simple("QUEUED".into()));
    assert_eq!(other.cmd(&["EXEC"]), arr(vec![Value::Nil]));
    // A write is held even when MULTI would only queue it, and so are scripts.
    other.send_pipeline(&[&["MULTI"], &["INCR", "n"], &["EXEC"]]);
    assert_eq!(other.read(), ok());
    let mut script = server.client();
    script.send_raw(&Client::encode(&[b"EVAL", b"return redis.call('incr', 'n')", b"0"]));
    assert_eq!(admin.cmd(&["GET", "n"]), Value::Nil);
    assert_eq!(admin.cmd(&["CLIENT", "UNPAUSE"]), ok());
    assert_eq!(c.read(), ok());
    assert_eq!(c.read(), bulk("1"));
    assert_eq!(other.read(), Value::Simple("QUEUED".into()));
    let (exec, eval) = (other.read(), script.read());
    assert!(matches!((&exec, &eval), (Value::Array(_), Value::Int(_))), "{exec:?} {eval:?}");
    assert_eq!(admin.cmd(&["GET", "n"]), bulk("2"));
}

#[test]
fn client_pause_all_holds_every_command_until_it_ends() {
    let server = Server::start();
    let mut c = server.client();
    let mut other = server.client();
    // Every command waits, CLIENT UNPAUSE included; the pause ends on its own.
    c.send_pipeline(&[&["CLIENT", "PAUSE", "300"], &["PING"], &["SET", "k", "v"]]);
    assert_eq!(c.read(), ok());
    other.send_pipeline(&[&["GET", "k"], &["CLIENT", "UNPAUSE"]]);
    assert_eq!(c.read(), Value::Simple("PONG".into()));
    assert_eq!(c.read(), ok());
    // Commands answer in the order they were sent.
    let got = other.read();
    assert!(got == Value::Nil || got == bulk("v"), "{got:?}");
    assert_eq!(other.read(), ok());
    assert_eq!(other.cmd(&["GET", "k"]), bulk("v"));
}

#[test]
fn client_pause_errors() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["CLIENT", "PAUSE", "abc"]), err("ERR timeout is not an integer or out of range"));
    assert_eq!(c.cmd(&["CLIENT", "PAUSE", "-1"]), err("ERR timeout is negative"));
    assert_eq!(c.cmd(&["CLIENT", "PAUSE", "100", "maybe"]), err("ERR CLIENT PAUSE mode must be WRITE or ALL"));
    assert_eq!(c.cmd(&["CLIENT", "PAUSE"]), err("ERR wrong number of arguments for 'client|pause' command"));
    assert_eq!(c.cmd(&["CLIENT", "UNPAUSE", "x"]), err("ERR wrong number of arguments for 'client|unpause' command"));
    assert_eq!(c.cmd(&["CLIENT", "UNPAUSE"]), ok());
}
