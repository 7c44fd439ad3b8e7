//! Lua scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT. Conversions between
//! Lua and replies, Redis 7's error lines, the script cache, the sandbox, and what makes
//! scripts useful: a script is isolated (no other client's command on its keys in
//! between, however the keys cross), its writes break WATCHes, wake blocked clients and
//! survive a crash. Every expectation here
//! also holds for redis-server (`DISKDB_TEST_REDIS=1`).

mod common;
use common::*;

fn eval(c: &mut Client, script: &str, keys: &[&str], args: &[&str]) -> Value {
    let numkeys = keys.len().to_string();
    let mut argv = vec!["EVAL", script, &numkeys];
    argv.extend(keys);
    argv.extend(args);
    c.cmd(&argv)
}

/// `clients` connections on their own threads, client `i` running script `job(i).0` on
/// keys `job(i).1` `times` times, each reply an integer.
fn scripts_running(
    server: &Server,
    clients: usize,
    times: usize,
    job: impl Fn(usize) -> (&'static str, Vec<String>),
) -> Vec<std::thread::JoinHandle<()>> {
    (0..clients)
        .map(|i| {
            let mut c = server.client();
            let (script, keys) = job(i);
            std::thread::spawn(move || {
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                for _ in 0..times {
                    assert!(matches!(eval(&mut c, script, &keys, &[]), Value::Int(_)));
                }
            })
        })
        .collect()
}

fn sha1(script: &str, c: &mut Client) -> String {
    c.cmd(&["SCRIPT", "LOAD", script]).text()
}

#[test]
fn replies_convert_between_lua_and_resp() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(eval(&mut c, "return KEYS[1] .. ARGV[1] .. #KEYS .. #ARGV", &["k"], &["v", "w"]), bulk("kv12"));
    // Numbers are truncated to integers, true is 1, false and nil are nil.
    assert_eq!(eval(&mut c, "return 3.99", &[], &[]), int(3));
    assert_eq!(eval(&mut c, "return -3.7", &[], &[]), int(-3));
    assert_eq!(eval(&mut c, "return true", &[], &[]), int(1));
    assert_eq!(eval(&mut c, "return false", &[], &[]), Value::Nil);
    assert_eq!(eval(&mut c, "return nil", &[], &[]), Value::Nil);
    // Arrays stop at the first nil and nest.
    assert_eq!(
        eval(&mut c, "return {1, 'a', {2, {'b'}}, nil, 5}", &[], &[]),
        arr(vec![int(1), bulk("a"), arr(vec![int(2), arr(vec![bulk("b")])])])
    );
    assert_eq!(eval(&mut c, "return redis.status_reply('FINE')", &[], &[]), Value::Simple("FINE".into()));
    assert_eq!(eval(&mut c, "return {ok='fine'}", &[], &[]), Value::Simple("fine".into()));
    assert_eq!(eval(&mut c, "return redis.error_reply('MY bad')", &[], &[]), err("MY bad"));
    assert_eq!(eval(&mut c, "return redis.error_reply('-X boom')", &[], &[]), err("X boom"));
    assert_eq!(eval(&mut c, "return redis.error_reply('oops')", &[], &[]), err("ERR oops"));
    assert_eq!(eval(&mut c, "return {err = 'oops'}", &[], &[]), err("oops"));
    // Command replies in Lua: integers are numbers, nil is false, status is {ok=...}.
    assert_eq!(c.cmd(&["RPUSH", "l", "a", "b"]), int(2));
    assert_eq!(eval(&mut c, "return type(redis.call('get', 'missing'))", &[], &[]), bulk("boolean"));
    assert_eq!(eval(&mut c, "return redis.call('llen', 'l') + 1", &[], &[]), int(3));
    assert_eq!(eval(&mut c, "return redis.call('set', 'k', 'v').ok", &[], &[]), bulk("OK"));
    assert_eq!(eval(&mut c, "return redis.call('lrange', KEYS[1], 0, -1)", &["l"], &[]), arr(vec![bulk("a"), bulk("b")]));
    assert_eq!(eval(&mut c, "return redis.call('hgetall', 'nohash')", &[], &[]), arr(vec![]));
    // Numbers passed to commands print as Redis 7 prints them (%.17g).
    assert_eq!(eval(&mut c, "redis.call('set', 'n', 0.1) return redis.call('get', 'n')", &[], &[]), bulk("0.10000000000000001"));
    assert_eq!(eval(&mut c, "redis.call('set', 'n', 10) return redis.call('get', 'n')", &[], &[]), bulk("10"));
    // Sorted-set scores reach Lua as RESP2 strings.
    assert_eq!(eval(&mut c, "redis.call('zadd', 'z', 1.5, 'm') return redis.call('zscore', 'z', 'm')", &[], &[]), bulk("1.5"));
    // A RESP3 client gets the same values.
    assert!(matches!(c.cmd(&["HELLO", "3"]), Value::Map(_)));
    assert_eq!(
        eval(&mut c, "redis.call('hset', 'h', 'f', 'v') return redis.call('hgetall', 'h')", &[], &[]),
        arr(vec![bulk("f"), bulk("v")])
    );
}

#[test]
fn errors_name_the_script_and_line_as_redis_7_does() {
    let server = Server::start();
    let mut c = server.client();
    let sha = |script: &str| {
        let mut c = server.client();
        sha1(script, &mut c)
    };
    let script = "return redis.call('nosuch')";
    assert_eq!(
        eval(&mut c, script, &[], &[]),
        err(&format!("ERR Unknown Redis command called from script script: {}, on @user_script:1.", sha(script)))
    );
    let script = "local a = 1\nreturn redis.call('get')";
    assert_eq!(
        eval(&mut c, script, &[], &[]),
        err(&format!("ERR Wrong number of args calling Redis command from script script: {}, on @user_script:2.", sha(script)))
    );
    assert_eq!(c.cmd(&["SET", "s", "abc"]), ok());
    let script = "return redis.call('incr', KEYS[1])";
    assert_eq!(
        eval(&mut c, script, &["s"], &[]),
        err(&format!("ERR value is not an integer or out of range script: {}, on @user_script:1.", sha(script)))
    );
    // pcall returns the error instead of raising it.
    assert_eq!(eval(&mut c, "return redis.pcall('incr', KEYS[1])", &["s"], &[]), err("ERR value is not an integer or out of range"));
    let script = "return redis.call('set', 'a', {})";
    assert_eq!(
        eval(&mut c, script, &[], &[]),
        err(&format!("ERR Lua redis lib command arguments must be strings or integers script: {}, on @user_script:1.", sha(script)))
    );
    let script = "return redis.call('multi')";
    assert_eq!(
        eval(&mut c, script, &[], &[]),
        err(&format!("ERR This Redis command is not allowed from script script: {}, on @user_script:1.", sha(script)))
    );
    let script = "return redis.call('blpop', 'q', 0)";
    assert_eq!(
        eval(&mut c, script, &[], &[]),
        err(&format!("ERR This Redis command is not allowed from script script: {}, on @user_script:1.", sha(script)))
    );
    let script = "local a = 1\nerror('at two')";
    assert_eq!(eval(&mut c, script, &[], &[]), err(&format!("ERR user_script:2: at two script: {}, on @user_script:2.", sha(script))));
    let script = "error({err='MINE custom'})";
    assert_eq!(eval(&mut c, script, &[], &[]), err(&format!("MINE custom script: {}, on @user_script:1.", sha(script))));
    // The sandbox: no unset globals, no new ones, no files or printing.
    for name in ["x", "print", "os", "io", "dofile", "loadfile"] {
        let script = format!("return {name}");
        let expected = format!(
            "ERR user_script:1: Script attempted to access nonexistent global variable '{name}' script: {}, on @user_script:1.",
            sha(&script)
        );
        assert_eq!(eval(&mut c, &script, &[], &[]), err(&expected));
    }
    let script = "x = 1";
    assert_eq!(
        eval(&mut c, script, &[], &[]),
        err(&format!("ERR user_script:1: Attempt to modify a readonly table script: {}, on @user_script:1.", sha(script)))
    );
    assert_eq!(
        eval(&mut c, "syntax error here", &[], &[]),
        err("ERR Error compiling script (new function): user_script:1: '=' expected near 'error'")
    );
    // EVAL's own arguments.
    assert_eq!(c.cmd(&["EVAL", "return 1", "-1"]), err("ERR Number of keys can't be negative"));
    assert_eq!(c.cmd(&["EVAL", "return 1", "2", "a"]), err("ERR Number of keys can't be greater than number of args"));
    assert_eq!(c.cmd(&["EVAL", "return 1", "x"]), err("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["EVAL", "return 1"]), err("ERR wrong number of arguments for 'eval' command"));
    // The connection goes on.
    assert_eq!(c.cmd(&["PING"]), Value::Simple("PONG".into()));
}

#[test]
fn the_script_cache() {
    let server = Server::start();
    let mut c = server.client();
    let sha = sha1("return 'cached'", &mut c);
    assert_eq!(sha.len(), 40);
    assert_eq!(c.cmd(&["EVALSHA", &sha, "0"]), bulk("cached"));
    assert_eq!(c.cmd(&["EVALSHA", &sha.to_uppercase(), "0"]), bulk("cached"));
    assert_eq!(c.cmd(&["EVAL", "return redis.sha1hex('return \\'cached\\'')", "0"]), bulk(&sha));
    assert_eq!(c.cmd(&["EVAL", "return redis.sha1hex('')", "0"]), bulk("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
    // EVAL caches what it runs, too.
    assert_eq!(c.cmd(&["EVAL", "return 2", "0"]), int(2));
    let two = sha1("return 2", &mut c);
    assert_eq!(c.cmd(&["SCRIPT", "EXISTS", &sha, &two, "ffffffffffffffffffffffffffffffffffffffff"]), arr(vec![int(1), int(1), int(0)]));
    assert_eq!(
        c.cmd(&["SCRIPT", "LOAD", "syntax error here"]),
        err("ERR Error compiling script (new function): user_script:1: '=' expected near 'error'")
    );
    assert_eq!(c.cmd(&["SCRIPT", "KILL"]), err("NOTBUSY No scripts in execution right now."));
    assert_eq!(c.cmd(&["SCRIPT", "FLUSH", "SOON"]), err("ERR SCRIPT FLUSH only support SYNC|ASYNC option"));
    assert_eq!(c.cmd(&["SCRIPT", "FLUSH"]), ok());
    assert_eq!(c.cmd(&["EVALSHA", &sha, "0"]), err("NOSCRIPT No matching script. Please use EVAL."));
    assert_eq!(c.cmd(&["SCRIPT", "EXISTS", &sha]), arr(vec![int(0)]));
    assert_eq!(c.cmd(&["SCRIPT", "FLUSH", "ASYNC"]), ok());
}

#[test]
fn read_only_scripts_refuse_writes() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["EVAL_RO", "return redis.call('get', KEYS[1])", "1", "k"]), bulk("v"));
    let script = "return redis.call('set', KEYS[1], 'w')";
    let sha = sha1(script, &mut c);
    let expected = format!("ERR Write commands are not allowed from read-only scripts. script: {sha}, on @user_script:1.");
    assert_eq!(c.cmd(&["EVAL_RO", script, "1", "k"]), err(&expected));
    assert_eq!(c.cmd(&["EVALSHA_RO", &sha, "1", "k"]), err(&expected));
    assert_eq!(c.cmd(&["GET", "k"]), bulk("v"));
}

#[test]
fn libraries_redis_ships() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(eval(&mut c, "return cjson.encode({1, 2, 'x', true})", &[], &[]), bulk("[1,2,\"x\",true]"));
    assert_eq!(eval(&mut c, "return cjson.encode({a = 1})", &[], &[]), bulk("{\"a\":1}"));
    assert_eq!(eval(&mut c, "return cjson.decode('[1, {\"a\": \"b\"}]')[2].a", &[], &[]), bulk("b"));
    assert_eq!(eval(&mut c, "return cjson.decode('{\"a\": null}').a == cjson.null", &[], &[]), int(1));
    assert_eq!(
        eval(&mut c, "return {bit.band(7, 3), bit.bor(1, 2), bit.bxor(3, 1), bit.bnot(0)}", &[], &[]),
        arr(vec![int(3), int(3), int(2), int(-1)])
    );
    assert_eq!(
        eval(&mut c, "return {bit.lshift(1, 31), bit.rshift(-256, 4), bit.arshift(-256, 4), bit.tobit(2^32 + 5)}", &[], &[]),
        arr(vec![int(i32::MIN as i64), int(268435440), int(-16), int(5)])
    );
    assert_eq!(eval(&mut c, "return {bit.tohex(255), bit.tohex(-1, -4)}", &[], &[]), arr(vec![bulk("000000ff"), bulk("FFFF")]));
    assert_eq!(
        eval(&mut c, "return {string.format('%05d', 42), table.concat({'a', 'b'}, '-'), math.floor(7.5)}", &[], &[]),
        arr(vec![bulk("00042"), bulk("a-b"), int(7)])
    );
    assert_eq!(eval(&mut c, "local t = {} for i = 1, 3 do t[#t + 1] = i * 2 end return t", &[], &[]), arr(vec![int(2), int(4), int(6)]));
}

#[test]
fn a_script_runs_alone() {
    // A read-modify-write in Lua loses no increment however many clients run it at once:
    // no other client's command runs between its GET and its SET.
    let server = Server::start();
    let script = "local v = tonumber(redis.call('get', KEYS[1]) or '0') redis.call('set', KEYS[1], v + 1) return v + 1";
    let threads = scripts_running(&server, 4, 300, |_| (script, vec!["counter".into()]));
    let mut plain = server.client();
    for _ in 0..300 {
        assert!(matches!(plain.cmd(&["INCR", "counter"]), Value::Int(_)));
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(plain.cmd(&["GET", "counter"]), bulk("1500"));
}

#[test]
fn scripts_on_crossing_keys_stay_isolated() {
    // Clients run a two-key read-modify-write with the keys in either order, beside
    // plain INCRs: a script that cannot lock its second key runs again alone, and no
    // increment is lost or made twice.
    let server = Server::start();
    let script = "local a = tonumber(redis.call('get', KEYS[1]) or '0') \
                  local b = tonumber(redis.call('get', KEYS[2]) or '0') \
                  redis.call('set', KEYS[1], a + 1) redis.call('set', KEYS[2], b + 1) return a + b";
    let threads = scripts_running(&server, 6, 200, |i| {
        let keys = if i % 2 == 0 { ["x", "y"] } else { ["y", "x"] };
        (script, keys.map(String::from).to_vec())
    });
    let mut plain = server.client();
    for _ in 0..200 {
        assert!(matches!(plain.cmd(&["INCR", "x"]), Value::Int(_)));
        assert!(matches!(plain.cmd(&["INCR", "y"]), Value::Int(_)));
    }
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(plain.cmd(&["MGET", "x", "y"]), arr(vec![bulk("1400"), bulk("1400")]));
}

#[test]
fn scripts_that_touch_the_whole_keyspace_or_publish_do_it_once() {
    // DBSIZE and PUBLISH name no key: such a script runs with every other client kept
    // out, and what it publishes is published once, while keyed scripts run beside it.
    let server = Server::start();
    let mut sub = server.client();
    sub.cmd(&["SUBSCRIBE", "events"]);
    let keyed = "return redis.call('incr', KEYS[1])";
    let whole = "redis.call('incr', KEYS[1]) local n = redis.call('dbsize') \
                 redis.call('publish', 'events', KEYS[1]) return n";
    let threads = scripts_running(&server, 4, 100, |i| (if i % 2 == 0 { keyed } else { whole }, vec![format!("k{i}")]));
    for t in threads {
        t.join().unwrap();
    }
    let mut c = server.client();
    assert_eq!(c.cmd(&["MGET", "k0", "k1", "k2", "k3"]), arr(vec![bulk("100"); 4]));
    c.cmd(&["PUBLISH", "events", "end"]);
    let mut published = 0;
    loop {
        let message = sub.read().array();
        if message[2] == bulk("end") {
            break;
        }
        published += 1;
    }
    assert_eq!(published, 200);
}

/// A script that publishes (PUBLISH names no key) is given up on its keyed run and runs
/// again alone: INFO counts it, and the commands it called, once, and no error.
#[test]
fn a_script_run_again_alone_is_counted_once() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), ok());
    let script = "redis.call('set', KEYS[1], 'v') return redis.call('publish', 'events', KEYS[1])";
    for _ in 0..3 {
        assert_eq!(eval(&mut c, script, &["k"], &[]), int(0));
    }
    let text = c.cmd(&["INFO", "commandstats"]).text();
    let calls = |name: &str| {
        let prefix = format!("cmdstat_{name}:calls=");
        let line = text.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("no {name} in {text}"));
        let fields: Vec<&str> = line.split(',').collect();
        (fields[0].to_string(), fields[fields.len() - 1].to_string())
    };
    for name in ["eval", "set", "publish"] {
        assert_eq!(calls(name), ("3".to_string(), "failed_calls=0".to_string()), "{name}");
    }
    assert_eq!(c.cmd(&["INFO", "errorstats"]).text(), "# Errorstats\r\n");
}

#[test]
fn writes_before_an_error_stay_and_select_stays_inside() {
    let server = Server::start();
    let mut c = server.client();
    let reply = eval(&mut c, "redis.call('set', 'a', '1') redis.call('incr', 'a') redis.call('lpush', 'a', 'x') return 1", &[], &[]);
    assert!(reply.error().starts_with("WRONGTYPE"), "{reply:?}");
    assert_eq!(c.cmd(&["GET", "a"]), bulk("2"));
    // SELECT in a script changes the script's database, not the caller's.
    assert_eq!(eval(&mut c, "redis.call('select', 3) redis.call('set', 'in3', 'y') return redis.call('get', 'in3')", &[], &[]), bulk("y"));
    assert_eq!(c.cmd(&["EXISTS", "in3"]), int(0));
    assert_eq!(c.cmd(&["SELECT", "3"]), ok());
    assert_eq!(c.cmd(&["GET", "in3"]), bulk("y"));
}

#[test]
fn script_writes_break_watches_and_wake_blocked_clients() {
    let server = Server::start();
    let mut watcher = server.client();
    let mut other = server.client();
    assert_eq!(watcher.cmd(&["WATCH", "w"]), ok());
    assert_eq!(eval(&mut other, "return redis.call('set', 'w', 'changed')", &[], &[]), ok());
    assert_eq!(watcher.cmd(&["MULTI"]), ok());
    assert_eq!(watcher.cmd(&["SET", "w", "mine"]), Value::Simple("QUEUED".into()));
    assert_eq!(watcher.cmd(&["EXEC"]), Value::Nil);
    assert_eq!(other.cmd(&["GET", "w"]), bulk("changed"));

    let mut waiting = server.client();
    waiting.send_raw(&Client::encode(&[b"BLPOP", b"q", b"0"]));
    server.wait_blocked(1);
    assert_eq!(eval(&mut other, "return redis.call('rpush', 'q', 'job')", &[], &[]), int(1));
    assert_eq!(waiting.read(), arr(vec![bulk("q"), bulk("job")]));
}

#[test]
fn scripts_queue_inside_multi() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(eval(&mut c, "return redis.call('incr', 'm')", &[], &[]), Value::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["INCR", "m"]), Value::Simple("QUEUED".into()));
    assert_eq!(eval(&mut c, "return redis.call('get', 'm')", &[], &[]), Value::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![int(1), int(2), bulk("2")]));
    // A script's writes inside EXEC break watches and wake waiters too, keys it did not
    // declare included.
    let mut watcher = server.client();
    assert_eq!(watcher.cmd(&["WATCH", "undeclared"]), ok());
    let mut waiting = server.client();
    waiting.send_raw(&Client::encode(&[b"BLPOP", b"jobs", b"0"]));
    server.wait_blocked(1);
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(
        eval(&mut c, "redis.call('set', 'undeclared', 'x') return redis.call('rpush', 'jobs', 'j1')", &[], &[]),
        Value::Simple("QUEUED".into())
    );
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![int(1)]));
    assert_eq!(waiting.read(), arr(vec![bulk("jobs"), bulk("j1")]));
    assert_eq!(watcher.cmd(&["MULTI"]), ok());
    assert_eq!(watcher.cmd(&["SET", "undeclared", "mine"]), Value::Simple("QUEUED".into()));
    assert_eq!(watcher.cmd(&["EXEC"]), Value::Nil);
}

#[test]
fn pcall_hands_error_replies_to_the_script_as_text() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(
        eval(&mut c, "local ok, e = pcall(redis.call, 'nosuch') return e", &[], &[]),
        bulk("ERR Unknown Redis command called from script")
    );
    assert_eq!(eval(&mut c, "local ok, e = pcall(function() error({err = 'X'}) end) return e", &[], &[]), bulk("X"));
    // Other tables, and xpcall, pass the error as it is.
    assert_eq!(eval(&mut c, "local ok, e = pcall(function() error({foo = 'X'}) end) return type(e)", &[], &[]), bulk("table"));
    let xp = "local ok, e = xpcall(function() error({err = 'X'}) end, function(x) return x end) return type(e)";
    assert_eq!(eval(&mut c, xp, &[], &[]), bulk("table"));
}

#[test]
fn cmsgpack_packs_as_redis_does() {
    let server = Server::start();
    let mut c = server.client();
    // The bytes, as hex, of what Redis's lua-cmsgpack packs.
    let hex = |c: &mut Client, packed: &str| {
        let script = format!("local s = {packed} return (s:gsub('.', function(ch) return string.format('%02x', ch:byte()) end))");
        eval(c, &script, &[], &[]).text()
    };
    assert_eq!(hex(&mut c, "cmsgpack.pack(1, -1, 200, -200, 70000, 1.5, 0.1)"), "01ffccc8d1ff38ce00011170ca3fc00000cb3fb999999999999a");
    assert_eq!(hex(&mut c, "cmsgpack.pack(true, false, nil, 'ab')"), "c3c2c0a26162");
    assert_eq!(hex(&mut c, "cmsgpack.pack({}, {1, 2}, {a = 1})"), "9092010281a16101");
    // Round trips, several objects at once, and the offset forms.
    let round = "local a, b, t = cmsgpack.unpack(cmsgpack.pack(7, 'x', {k = {1, 2}})) return {a, b, t.k[2]}";
    assert_eq!(eval(&mut c, round, &[], &[]), arr(vec![int(7), bulk("x"), int(2)]));
    assert_eq!(eval(&mut c, "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)}", &[], &[]), arr(vec![int(2), int(2)]));
    assert_eq!(eval(&mut c, "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 1)}", &[], &[]), arr(vec![int(-1), int(2), int(3)]));
    // Errors name the script's line, as Redis's C libraries do.
    let e = eval(&mut c, "return cmsgpack.unpack(string.char(0x92, 1))", &[], &[]);
    assert!(e.error().starts_with("ERR user_script:1: Missing bytes in input. script: "), "{e:?}");
    let e = eval(&mut c, "return cjson.encode(function() end)", &[], &[]);
    assert!(e.error().starts_with("ERR user_script:1: Cannot serialise function: type not supported script: "), "{e:?}");
}

#[test]
fn redis_setresp_3_gives_scripts_resp3_replies() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["HSET", "h", "f", "v"]), int(1));
    assert_eq!(c.cmd(&["ZADD", "z", "1.5", "a"]), int(1));
    // What Lua sees: maps, sets and doubles as one-field tables, a null as nil.
    let seen = "redis.setresp(3) \
        local m = redis.call('hgetall', 'h') \
        local d = redis.call('zscore', 'z', 'a') \
        local s = redis.call('smembers', 'h2') \
        return {m.map.f, tostring(d.double), type(s.set), tostring(redis.call('get', 'missing'))}";
    assert_eq!(eval(&mut c, seen, &[], &[]), arr(vec![bulk("v"), bulk("1.5"), bulk("table"), bulk("nil")]));
    // Without it, RESP2's shapes: a flat array, and false for a null.
    assert_eq!(eval(&mut c, "return type(redis.call('get', 'missing'))", &[], &[]), bulk("boolean"));
    // What a script returns in RESP3 shapes reaches a RESP2 client in RESP2's.
    assert_eq!(eval(&mut c, "return {map={a=1}}", &[], &[]), arr(vec![bulk("a"), int(1)]));
    assert_eq!(eval(&mut c, "return {double=3.5}", &[], &[]), bulk("3.5"));
    assert_eq!(eval(&mut c, "redis.setresp(3) return redis.call('hgetall', 'h')", &[], &[]), arr(vec![bulk("f"), bulk("v")]));
    // A RESP3 client gets them as they are; booleans follow the script's protocol.
    assert!(matches!(c.cmd(&["HELLO", "3"]), Value::Map(_)));
    assert_eq!(eval(&mut c, "redis.setresp(3) return redis.call('hgetall', 'h')", &[], &[]), Value::Map(vec![(bulk("f"), bulk("v"))]));
    assert_eq!(eval(&mut c, "return {set={x=true}}", &[], &[]), Value::Set(vec![bulk("x")]));
    assert_eq!(eval(&mut c, "return {double=3.5}", &[], &[]), Value::Double("3.5".into()));
    assert_eq!(eval(&mut c, "redis.setresp(3) return true", &[], &[]), Value::Bool(true));
    assert_eq!(eval(&mut c, "return true", &[], &[]), int(1));
    let e = eval(&mut c, "redis.setresp(4)", &[], &[]);
    assert!(e.error().starts_with("ERR RESP version must be 2 or 3. script: "), "{e:?}");
    assert!(e.error().ends_with("on @user_script:1."), "{e:?}");
}

#[test]
fn pipelined_scripts_each_see_the_writes_before_them() {
    // One read holding scripts, plain commands and scripts again: DiskDB runs the scripts
    // of a run in one transaction, and what each answers must be what it would alone.
    let server = Server::start();
    let mut c = server.client();
    let incr = "return redis.call('incr', KEYS[1])";
    c.send_pipeline(&[
        &["EVAL", incr, "1", "n"],
        &["EVAL", incr, "1", "n"],
        &["GET", "n"],
        &["EVAL", "return redis.call('lpush', KEYS[1], redis.call('get', KEYS[2]))", "2", "l", "n"],
        &["EVAL", incr, "1", "n"],
        &["EVAL", "return redis.call('lpush', KEYS[1], 'x')", "1", "n"],
        &["EVAL", "return redis.call('lrange', KEYS[1], 0, -1)", "1", "l"],
        &["INCR", "n"],
    ]);
    assert_eq!(c.read(), int(1));
    assert_eq!(c.read(), int(2));
    assert_eq!(c.read(), bulk("2"));
    assert_eq!(c.read(), int(1));
    assert_eq!(c.read(), int(3));
    assert!(c.read().error().starts_with("WRONGTYPE"));
    assert_eq!(c.read(), arr(vec![bulk("2")]));
    assert_eq!(c.read(), int(4));
    // Another client sees every write.
    assert_eq!(server.client().cmd(&["GET", "n"]), bulk("4"));
}

#[test]
fn script_writes_survive_a_crash() {
    let mut server = Server::start();
    if server.is_reference() {
        return;
    }
    let mut c = server.client();
    assert_eq!(
        eval(&mut c, "for i = 1, 100 do redis.call('rpush', KEYS[1], i) end return redis.call('llen', KEYS[1])", &["list"], &[]),
        int(100)
    );
    server.restart();
    let mut c = server.client();
    assert_eq!(c.cmd(&["LLEN", "list"]), int(100));
    assert_eq!(c.cmd(&["LINDEX", "list", "-1"]), bulk("100"));
}

#[test]
fn a_script_that_runs_too_long_is_stopped_and_its_writes_discarded() {
    let server = Server::start();
    if server.is_reference() {
        // Redis answers BUSY to others and waits for SCRIPT KILL; DiskDB, which keeps
        // every other client out while a script runs, stops it itself.
        return;
    }
    let mut c = server.client();
    assert_eq!(c.cmd(&["CONFIG", "SET", "busy-reply-threshold", "200"]), ok());
    let reply = eval(&mut c, "redis.call('set', 'x', '1') while true do end", &[], &[]);
    assert!(reply.error().starts_with("ERR Script killed after running longer than busy-reply-threshold (200 ms)"), "{reply:?}");
    assert_eq!(c.cmd(&["EXISTS", "x"]), int(0));
    // Caught errors do not keep it alive.
    let reply = eval(&mut c, "while true do pcall(function() while true do end end) end", &[], &[]);
    assert!(reply.error().starts_with("ERR Script killed"), "{reply:?}");
    // A script stopped among pipelined ones loses its own writes only.
    c.send_pipeline(&[
        &["EVAL", "return redis.call('set', 'before', '1')", "0"],
        &["EVAL", "redis.call('set', 'stopped', '1') while true do end", "0"],
        &["EVAL", "return redis.call('set', 'after', '1')", "0"],
    ]);
    assert_eq!(c.read(), ok());
    assert!(c.read().error().starts_with("ERR Script killed"));
    assert_eq!(c.read(), ok());
    assert_eq!(c.cmd(&["MGET", "before", "stopped", "after"]), arr(vec![bulk("1"), Value::Nil, bulk("1")]));
    // So does one inside EXEC: the transaction's other commands stay.
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["SET", "queued", "1"]), Value::Simple("QUEUED".into()));
    assert_eq!(eval(&mut c, "redis.call('set', 'stopped', '1') while true do end", &[], &[]), Value::Simple("QUEUED".into()));
    let Value::Array(replies) = c.cmd(&["EXEC"]) else { panic!("EXEC answers an array") };
    assert_eq!(replies[0], ok());
    assert!(replies[1].error().starts_with("ERR Script killed"));
    assert_eq!(c.cmd(&["MGET", "queued", "stopped"]), arr(vec![bulk("1"), Value::Nil]));
    // The server and the Lua state go on.
    assert_eq!(server.client().cmd(&["PING"]), Value::Simple("PONG".into()));
    assert_eq!(eval(&mut c, "return redis.call('set', 'x', '2')", &[], &[]), ok());
    assert_eq!(c.cmd(&["GET", "x"]), bulk("2"));
}

#[test]
fn scripts_break_the_watches_of_optimistic_transactions() {
    // Clients increment a key with WATCH / GET / MULTI / SET / EXEC, retrying when EXEC
    // fails, beside scripts incrementing it: a script's write that lands between a
    // client's WATCH and its EXEC must fail that EXEC, or an increment is lost.
    let server = Server::start();
    let script = "return redis.call('incr', KEYS[1])";
    let scripted = scripts_running(&server, 2, 300, |_| (script, vec!["n".into()]));
    let watching: Vec<_> = (0..2)
        .map(|_| {
            let mut c = server.client();
            std::thread::spawn(move || {
                let mut done = 0;
                while done < 150 {
                    c.cmd(&["WATCH", "n"]);
                    let v: i64 = match c.cmd(&["GET", "n"]) {
                        Value::Bulk(b) => String::from_utf8(b).unwrap().parse().unwrap(),
                        _ => 0,
                    };
                    c.cmd(&["MULTI"]);
                    c.cmd(&["SET", "n", &(v + 1).to_string()]);
                    if matches!(c.cmd(&["EXEC"]), Value::Array(_)) {
                        done += 1;
                    }
                }
            })
        })
        .collect();
    for t in scripted.into_iter().chain(watching) {
        t.join().unwrap();
    }
    assert_eq!(server.client().cmd(&["GET", "n"]), bulk("900"));
}
