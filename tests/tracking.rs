//! Client-side caching: CLIENT TRACKING in its default, BCAST, OPTIN and NOLOOP modes,
//! redirection (RESP3 pushes and RESP2's `__redis__:invalidate` channel), CACHING,
//! GETREDIR and TRACKINGINFO. Every expectation here also holds for redis-server
//! (`DISKDB_TEST_REDIS=1`).
//!
//! "Nothing was sent" is checked by order: an invalidation is queued for its client
//! before the writer's reply leaves, so after a later write that must invalidate, the
//! next message read is that one.

mod common;
use common::*;

fn simple(s: &str) -> Value {
    Value::Simple(s.into())
}

fn resp3(server: &Server) -> Client {
    let mut c = server.client();
    assert!(matches!(c.cmd(&["HELLO", "3"]), Value::Map(_)));
    c
}

fn invalidate(keys: &[&str]) -> Value {
    Value::Push(vec![bulk("invalidate"), arr(keys.iter().map(|k| bulk(k)).collect())])
}

fn flushed() -> Value {
    Value::Push(vec![bulk("invalidate"), Value::Nil])
}

#[test]
fn keys_read_are_invalidated_once_when_written() {
    let server = Server::start();
    let mut c = resp3(&server);
    let mut other = server.client();
    assert_eq!(other.cmd(&["MSET", "k", "1", "k2", "2", "h:x", "3"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), bulk("1"));
    assert_eq!(c.cmd(&["MGET", "k2", "missing"]), arr(vec![bulk("2"), Value::Nil]));
    assert_eq!(other.cmd(&["SET", "k", "changed"]), ok());
    assert_eq!(c.read(), invalidate(&["k"]));
    // Told once: a second write does not invalidate again until the key is read again.
    assert_eq!(other.cmd(&["APPEND", "k", "!"]), int(8));
    // Keys that did not exist are tracked too, in any database.
    assert_eq!(other.cmd(&["SELECT", "5"]), ok());
    assert_eq!(other.cmd(&["MSET", "missing", "now", "k2", "x"]), ok());
    assert_eq!(c.read(), invalidate(&["missing"]));
    assert_eq!(c.read(), invalidate(&["k2"]));
    // Reads of every type are tracked, and so are the keys read inside EXEC and scripts.
    assert_eq!(c.cmd(&["HGET", "h", "f"]), Value::Nil);
    assert_eq!(c.cmd(&["MULTI"]), simple("OK"));
    assert_eq!(c.cmd(&["STRLEN", "inexec"]), simple("QUEUED"));
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![int(0)]));
    assert_eq!(c.cmd(&["EVAL", "return redis.call('get', KEYS[1])", "1", "inscript"]), Value::Nil);
    assert_eq!(other.cmd(&["SELECT", "0"]), ok());
    assert_eq!(other.cmd(&["HSET", "h", "f", "v"]), int(1));
    assert_eq!(c.read(), invalidate(&["h"]));
    assert_eq!(other.cmd(&["EVAL", "return redis.call('set', 'inexec', 'x')", "0"]), ok());
    assert_eq!(c.read(), invalidate(&["inexec"]));
    assert_eq!(other.cmd(&["MULTI"]), simple("OK"));
    assert_eq!(other.cmd(&["SET", "inscript", "y"]), simple("QUEUED"));
    assert_eq!(other.cmd(&["EXEC"]), arr(vec![ok()]));
    assert_eq!(c.read(), invalidate(&["inscript"]));
}

#[test]
fn own_writes_are_reported_after_the_reply_unless_noloop() {
    let server = Server::start();
    let mut c = resp3(&server);
    let mut other = server.client();
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on"]), ok());
    assert_eq!(c.cmd(&["GET", "k"]), Value::Nil);
    assert_eq!(c.cmd(&["SET", "k", "mine"]), ok());
    assert_eq!(c.read(), invalidate(&["k"]));
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on", "NOLOOP"]), ok());
    assert_eq!(c.cmd(&["MGET", "k", "k2"]), arr(vec![bulk("mine"), Value::Nil]));
    assert_eq!(c.cmd(&["SET", "k", "again"]), ok());
    assert_eq!(other.cmd(&["SET", "k2", "theirs"]), ok());
    assert_eq!(c.read(), invalidate(&["k2"]));
}

#[test]
fn flushes_invalidate_everything() {
    let server = Server::start();
    let mut c = resp3(&server);
    let mut other = server.client();
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on"]), ok());
    assert_eq!(other.cmd(&["FLUSHALL"]), ok());
    assert_eq!(c.read(), flushed());
    assert_eq!(other.cmd(&["FLUSHDB"]), ok());
    assert_eq!(c.read(), flushed());
    // The table was emptied: a key read before the flush is no longer tracked.
    assert_eq!(c.cmd(&["GET", "a"]), Value::Nil);
    assert_eq!(other.cmd(&["FLUSHALL"]), ok());
    assert_eq!(c.read(), flushed());
    assert_eq!(other.cmd(&["SET", "a", "1"]), ok());
    assert_eq!(c.cmd(&["GET", "b"]), Value::Nil);
    assert_eq!(other.cmd(&["SET", "b", "1"]), ok());
    assert_eq!(c.read(), invalidate(&["b"]));
}

#[test]
fn broadcast_mode_reports_every_key_under_its_prefixes() {
    let server = Server::start();
    let mut c = resp3(&server);
    let mut other = server.client();
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "acct:"]), ok());
    assert_eq!(other.cmd(&["SET", "other", "x"]), ok());
    assert_eq!(other.cmd(&["SET", "user:1", "x"]), ok());
    assert_eq!(c.read(), invalidate(&["user:1"]));
    assert_eq!(other.cmd(&["SET", "user:1", "y"]), ok());
    assert_eq!(c.read(), invalidate(&["user:1"]));
    assert_eq!(other.cmd(&["LPUSH", "acct:9", "x"]), int(1));
    assert_eq!(c.read(), invalidate(&["acct:9"]));
    let info = c.cmd(&["CLIENT", "TRACKINGINFO"]);
    assert_eq!(
        info,
        Value::Map(vec![
            (bulk("flags"), Value::Set(vec![bulk("on"), bulk("bcast")])),
            (bulk("redirect"), int(0)),
            (bulk("prefixes"), arr(vec![bulk("acct:"), bulk("user:")])),
        ])
    );
    let e = c.cmd(&["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:12"]);
    assert_eq!(e.error(), "ERR Prefix 'user:12' overlaps with an existing prefix 'user:'. Prefixes for a single client must not overlap.");
    let e = c.cmd(&["CLIENT", "TRACKING", "on"]);
    assert!(e.error().starts_with("ERR You can't switch BCAST mode on/off"), "{e:?}");
}

#[test]
fn optin_tracks_only_after_caching_yes() {
    let server = Server::start();
    let mut c = resp3(&server);
    let mut other = server.client();
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on", "OPTIN"]), ok());
    assert_eq!(c.cmd(&["GET", "untracked"]), Value::Nil);
    assert_eq!(c.cmd(&["CLIENT", "CACHING", "yes"]), ok());
    assert_eq!(c.cmd(&["GET", "tracked"]), Value::Nil);
    // The flag lasted for one command.
    assert_eq!(c.cmd(&["GET", "untracked2"]), Value::Nil);
    assert_eq!(other.cmd(&["MSET", "untracked", "1", "untracked2", "1", "tracked", "1"]), ok());
    assert_eq!(c.read(), invalidate(&["tracked"]));
    assert_eq!(c.cmd(&["CLIENT", "CACHING", "no"]).error(), "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
}

#[test]
fn redirected_invalidations_reach_a_resp2_subscriber_on_the_invalidate_channel() {
    let server = Server::start();
    let mut listener = server.client();
    let id = listener.cmd(&["CLIENT", "ID"]).int();
    assert_eq!(listener.cmd(&["SUBSCRIBE", "__redis__:invalidate"]), arr(vec![bulk("subscribe"), bulk("__redis__:invalidate"), int(1)]));
    let mut c = server.client();
    let mut other = server.client();
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on", "REDIRECT", &id.to_string()]), ok());
    assert_eq!(c.cmd(&["CLIENT", "GETREDIR"]), int(id));
    assert_eq!(c.cmd(&["GET", "x"]), Value::Nil);
    assert_eq!(other.cmd(&["SET", "x", "1"]), ok());
    assert_eq!(listener.read(), arr(vec![bulk("message"), bulk("__redis__:invalidate"), arr(vec![bulk("x")])]));
    assert_eq!(other.cmd(&["FLUSHDB"]), ok());
    assert_eq!(listener.read(), arr(vec![bulk("message"), bulk("__redis__:invalidate"), Value::Nil]));
}

#[test]
fn a_redirect_client_that_left_is_reported() {
    let server = Server::start();
    let mut c = resp3(&server);
    let mut gone = server.client();
    let id = gone.cmd(&["CLIENT", "ID"]).int();
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on", "REDIRECT", &id.to_string()]), ok());
    assert_eq!(c.cmd(&["GET", "q"]), Value::Nil);
    drop(gone);
    let mut other = server.client();
    // The server notices the disconnection on its own time.
    for _ in 0..100 {
        if other.cmd(&["CLIENT", "LIST", "ID", &id.to_string()]) == bulk("") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(other.cmd(&["SET", "q", "1"]), ok());
    assert_eq!(c.read(), Value::Push(vec![bulk("tracking-redir-broken"), int(id)]));
    let info = c.cmd(&["CLIENT", "TRACKINGINFO"]);
    assert_eq!(
        info,
        Value::Map(vec![
            (bulk("flags"), Value::Set(vec![bulk("on"), bulk("broken_redirect")])),
            (bulk("redirect"), int(id)),
            (bulk("prefixes"), arr(vec![])),
        ])
    );
}

#[test]
fn expired_keys_are_invalidated() {
    let server = Server::start();
    let mut c = resp3(&server);
    let mut other = server.client();
    assert_eq!(other.cmd(&["SET", "ttl", "v", "PX", "300"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on"]), ok());
    assert_eq!(c.cmd(&["GET", "ttl"]), bulk("v"));
    // Nobody touches the key: the server's expiry tells the client.
    assert_eq!(c.read(), invalidate(&["ttl"]));
}

#[test]
fn options_are_checked_as_redis_checks_them() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["CLIENT", "GETREDIR"]), int(-1));
    assert_eq!(
        c.cmd(&["CLIENT", "TRACKINGINFO"]),
        arr(vec![bulk("flags"), arr(vec![bulk("off")]), bulk("redirect"), int(-1), bulk("prefixes"), arr(vec![])])
    );
    let errors = [
        (&["CLIENT", "TRACKING", "on", "PREFIX", "x"][..], "ERR PREFIX option requires BCAST mode to be enabled"),
        (&["CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"], "ERR You can't specify both OPTIN mode and OPTOUT mode"),
        (&["CLIENT", "TRACKING", "on", "OPTIN", "BCAST"], "ERR OPTIN and OPTOUT are not compatible with BCAST"),
        (&["CLIENT", "TRACKING", "on", "REDIRECT", "99999"], "ERR The client ID you want redirect to does not exist"),
        (&["CLIENT", "TRACKING", "on", "REDIRECT", "x"], "ERR value is not an integer or out of range"),
        (&["CLIENT", "TRACKING", "maybe"], "ERR syntax error"),
        (&["CLIENT", "TRACKING", "on", "NOPE"], "ERR syntax error"),
        (
            &["CLIENT", "CACHING", "yes"],
            "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
        ),
        (
            &["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "ab"],
            "ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single client must not overlap.",
        ),
    ];
    for (argv, expected) in errors {
        assert_eq!(c.cmd(argv).error(), expected, "{argv:?}");
    }
    // RESP2 without a redirect may turn tracking on; there is just nowhere to send.
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on", "OPTOUT", "NOLOOP"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "CACHING", "no"]), ok());
    assert_eq!(
        c.cmd(&["CLIENT", "TRACKINGINFO"]),
        arr(vec![
            bulk("flags"),
            arr(vec![bulk("on"), bulk("optout"), bulk("caching-no"), bulk("noloop")]),
            bulk("redirect"),
            int(0),
            bulk("prefixes"),
            arr(vec![])
        ])
    );
    assert_eq!(
        c.cmd(&["CLIENT", "TRACKING", "on", "OPTIN"]).error(),
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."
    );
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "off"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "GETREDIR"]), int(-1));
    assert_eq!(c.cmd(&["RESET"]), simple("RESET"));
}

#[test]
fn a_full_table_makes_room_by_invalidating() {
    let server = Server::start();
    let mut c = resp3(&server);
    let mut admin = server.client();
    assert_eq!(admin.cmd(&["CONFIG", "SET", "tracking-table-max-keys", "1"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "on"]), ok());
    assert_eq!(c.cmd(&["MGET", "a", "b", "c"]), arr(vec![Value::Nil, Value::Nil, Value::Nil]));
    // Which keys go is the server's choice; each goes with its invalidation.
    let Value::Push(push) = c.read() else { panic!("an invalidation") };
    let key = push[1].array()[0].text();
    assert!(["a", "b", "c"].contains(&key.as_str()), "{key}");
}
