//! Redis 7 functions: FUNCTION LOAD / DELETE / FLUSH / LIST / STATS / DUMP / RESTORE and
//! FCALL, FCALL_RO.
//! Libraries and their errors as Redis words them, functions run as scripts do, and
//! libraries that outlive a restart and FLUSHALL. Every expectation but the restart also
//! holds for redis-server (`DISKDB_TEST_REDIS=1`).

mod common;
use common::*;

const MYLIB: &str = "#!lua name=mylib
redis.register_function('incr_it', function(keys, args) return redis.call('incr', keys[1]) end)
redis.register_function{function_name='echo_it', callback=function(keys, args) return args[1] end, flags={'no-writes'}, description='reads'}";

#[test]
fn libraries_load_and_their_functions_run() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["FUNCTION", "LOAD", MYLIB]), bulk("mylib"));
    assert_eq!(c.cmd(&["FCALL", "incr_it", "1", "k"]), int(1));
    assert_eq!(c.cmd(&["FCALL", "incr_it", "1", "k"]), int(2));
    assert_eq!(c.cmd(&["FCALL", "echo_it", "0", "hello"]), bulk("hello"));
    assert_eq!(c.cmd(&["FCALL_RO", "echo_it", "0", "hi"]), bulk("hi"));
    assert_eq!(c.cmd(&["FCALL_RO", "incr_it", "1", "k"]), err("ERR Can not execute a script with write flag using *_ro command."));
    assert_eq!(c.cmd(&["FCALL", "nosuch", "0"]), err("ERR Function not found"));
    // The function is looked up before its key count is read.
    assert_eq!(c.cmd(&["FCALL", "nosuch", "x"]), err("ERR Function not found"));
    assert_eq!(c.cmd(&["FCALL", "nosuch", "5", "k"]), err("ERR Function not found"));
    assert_eq!(c.cmd(&["FCALL", "incr_it", "x"]), err("ERR Bad number of keys provided"));
    assert_eq!(c.cmd(&["FCALL", "incr_it", "2", "k"]), err("ERR Number of keys can't be greater than number of args"));
    // A no-writes function cannot write, whichever command calls it.
    let lib = "#!lua name=w\nredis.register_function{function_name='sneaky', callback=function(keys) return redis.call('set', keys[1], 'v') end, flags={'no-writes'}}";
    assert_eq!(c.cmd(&["FUNCTION", "LOAD", lib]), bulk("w"));
    assert_eq!(
        c.cmd(&["FCALL", "sneaky", "1", "k"]),
        err("ERR Write commands are not allowed from read-only scripts. script: sneaky, on @user_function:2.")
    );
    // Errors name the function and the library's line, the first line counting.
    let lib = "#!lua name=f\n\nredis.register_function('boom', function(keys) return redis.call('nosuch') end)";
    assert_eq!(c.cmd(&["FUNCTION", "LOAD", lib]), bulk("f"));
    assert_eq!(c.cmd(&["FCALL", "boom", "0"]), err("ERR Unknown Redis command called from script script: boom, on @user_function:3."));
    // REPLACE swaps a library's functions.
    let replaced = "#!lua name=mylib\nredis.register_function('incr_it', function() return 'replaced' end)";
    assert_eq!(c.cmd(&["FUNCTION", "LOAD", replaced]), err("ERR Library 'mylib' already exists"));
    assert_eq!(c.cmd(&["FUNCTION", "LOAD", "REPLACE", replaced]), bulk("mylib"));
    assert_eq!(c.cmd(&["FCALL", "incr_it", "0"]), bulk("replaced"));
    assert_eq!(c.cmd(&["FCALL", "echo_it", "0", "x"]), err("ERR Function not found"));
    assert_eq!(c.cmd(&["FUNCTION", "DELETE", "f"]), ok());
    assert_eq!(c.cmd(&["FCALL", "boom", "0"]), err("ERR Function not found"));
    assert_eq!(c.cmd(&["FUNCTION", "DELETE", "f"]), err("ERR Library not found"));
    assert_eq!(c.cmd(&["FUNCTION", "KILL"]), err("NOTBUSY No scripts in execution right now."));
    assert_eq!(c.cmd(&["FUNCTION", "FLUSH"]), ok());
    assert_eq!(c.cmd(&["FCALL", "incr_it", "0"]), err("ERR Function not found"));
    assert_eq!(c.cmd(&["FUNCTION", "LIST"]), arr(vec![]));
}

#[test]
fn libraries_are_checked_when_loaded() {
    let server = Server::start();
    let mut c = server.client();
    let load = |c: &mut Client, code: &str| c.cmd(&["FUNCTION", "LOAD", code]);
    assert_eq!(load(&mut c, "redis.register_function('x', function() return 1 end)"), err("ERR Missing library metadata"));
    assert_eq!(load(&mut c, "#!js name=a\nx"), err("ERR Engine 'js' not found"));
    assert_eq!(load(&mut c, "#!lua name=b\nreturn 1"), err("ERR No functions registered"));
    assert_eq!(
        load(&mut c, "#!lua name=bad-name\nredis.register_function('f', function() return 1 end)"),
        err("ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long")
    );
    assert_eq!(
        load(&mut c, "#!lua name=d foo=bar\nredis.register_function('f', function() return 1 end)"),
        err("ERR Invalid metadata value given: foo=bar")
    );
    assert_eq!(load(&mut c, "#!lua name=e\nsyntax error"), err("ERR Error compiling function: user_function:2: '=' expected near 'error'"));
    assert_eq!(load(&mut c, MYLIB), bulk("mylib"));
    assert_eq!(
        load(&mut c, "#!lua name=c\nredis.register_function('incr_it', function() return 1 end)"),
        err("ERR Function incr_it already exists")
    );
    // Nothing half loaded stays.
    assert_eq!(c.cmd(&["FUNCTION", "LIST"]).array().len(), 1);
    // redis.register_function exists only while a library loads.
    let reply = c.cmd(&["EVAL", "redis.register_function('late', function() return 1 end)", "0"]);
    assert!(reply.error().starts_with("ERR user_script:1: attempt to call field 'register_function' (a nil value)"), "{reply:?}");
}

#[test]
fn function_list_and_stats() {
    let server = Server::start();
    let mut c = server.client();
    assert_eq!(c.cmd(&["FUNCTION", "LOAD", MYLIB]), bulk("mylib"));
    // Redis lists a library's functions in no set order: compare them as a set.
    let functions = |library: &Value| {
        let fields = library.array();
        assert_eq!(fields[..5], [bulk("library_name"), bulk("mylib"), bulk("engine"), bulk("LUA"), bulk("functions")]);
        let mut described: Vec<String> = fields[5].array().iter().map(|f| format!("{f:?}")).collect();
        described.sort();
        (described, fields[6..].to_vec())
    };
    let incr = arr(vec![bulk("name"), bulk("incr_it"), bulk("description"), Value::Nil, bulk("flags"), arr(vec![])]);
    let echo = arr(vec![
        bulk("name"),
        bulk("echo_it"),
        bulk("description"),
        bulk("reads"),
        bulk("flags"),
        arr(vec![Value::Simple("no-writes".into())]),
    ]);
    let mut expected = vec![format!("{incr:?}"), format!("{echo:?}")];
    expected.sort();
    let list = c.cmd(&["FUNCTION", "LIST"]).array();
    assert_eq!(list.len(), 1);
    assert_eq!(functions(&list[0]), (expected.clone(), vec![]));
    let list = c.cmd(&["FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "my*"]).array();
    assert_eq!(list.len(), 1);
    assert_eq!(functions(&list[0]), (expected, vec![bulk("library_code"), bulk(MYLIB)]));
    assert_eq!(c.cmd(&["FUNCTION", "LIST", "LIBRARYNAME", "other*"]), arr(vec![]));
    // Library patterns ignore case; flags are a set, shown in Redis's order.
    assert_eq!(c.cmd(&["FUNCTION", "LIST", "LIBRARYNAME", "MYL*"]).array().len(), 1);
    let lib = "#!lua name=flagged\nredis.register_function{function_name='f', callback=function() return 1 end, flags={'allow-stale', 'no-writes', 'allow-stale'}}";
    assert_eq!(c.cmd(&["FUNCTION", "LOAD", lib]), bulk("flagged"));
    let listed = c.cmd(&["FUNCTION", "LIST", "LIBRARYNAME", "flagged"]).array();
    let function = listed[0].array()[5].array()[0].array();
    assert_eq!(function[5], arr(vec![Value::Simple("no-writes".into()), Value::Simple("allow-stale".into())]));
    assert_eq!(c.cmd(&["FUNCTION", "DELETE", "flagged"]), ok());
    let stats = c.cmd(&["FUNCTION", "STATS"]);
    let engines = arr(vec![bulk("LUA"), arr(vec![bulk("libraries_count"), int(1), bulk("functions_count"), int(2)])]);
    assert_eq!(stats, arr(vec![bulk("running_script"), Value::Nil, bulk("engines"), engines]));
}

#[test]
fn libraries_survive_a_restart_and_flushall() {
    let mut server = Server::start();
    if server.is_reference() {
        return;
    }
    let mut c = server.client();
    assert_eq!(c.cmd(&["FUNCTION", "LOAD", MYLIB]), bulk("mylib"));
    assert_eq!(c.cmd(&["FLUSHALL"]), ok());
    assert_eq!(c.cmd(&["FCALL", "incr_it", "1", "k"]), int(1));
    server.restart();
    let mut c = server.client();
    assert_eq!(c.cmd(&["FCALL", "incr_it", "1", "k"]), int(2));
    assert_eq!(c.cmd(&["FUNCTION", "LIST", "LIBRARYNAME", "mylib"]).array().len(), 1);
    assert_eq!(c.cmd(&["FUNCTION", "DELETE", "mylib"]), ok());
    server.restart();
    let mut c = server.client();
    assert_eq!(c.cmd(&["FCALL", "incr_it", "1", "k"]), err("ERR Function not found"));
    // Restored libraries are stored as loaded ones are.
    assert_eq!(c.cmd(&["FUNCTION", "LOAD", MYLIB]), bulk("mylib"));
    let payload = c.cmd(&["FUNCTION", "DUMP"]);
    assert_eq!(c.cmd(&["FUNCTION", "FLUSH"]), ok());
    let Value::Bulk(payload) = payload else { panic!("a payload") };
    assert_eq!(c.cmd_bytes(&[b"FUNCTION", b"RESTORE", &payload]), ok());
    server.restart();
    let mut c = server.client();
    assert_eq!(c.cmd(&["FCALL", "incr_it", "1", "k"]), int(3));
}

#[test]
fn function_dump_and_restore() {
    let server = Server::start();
    let mut c = server.client();
    let other = "#!lua name=other\nredis.register_function('other_fn', function() return 'other' end)";
    assert_eq!(c.cmd(&["FUNCTION", "LOAD", MYLIB]), bulk("mylib"));
    let Value::Bulk(payload) = c.cmd(&["FUNCTION", "DUMP"]) else { panic!("a payload") };
    let restore = |c: &mut Client, policy: &[&[u8]]| {
        let mut argv: Vec<&[u8]> = vec![b"FUNCTION", b"RESTORE", &payload];
        argv.extend(policy);
        c.cmd_bytes(&argv)
    };
    // APPEND (the default) refuses a library that exists; REPLACE takes its place.
    assert_eq!(restore(&mut c, &[]), err("ERR Library mylib already exists"));
    assert_eq!(restore(&mut c, &[b"APPEND"]), err("ERR Library mylib already exists"));
    assert_eq!(restore(&mut c, &[b"REPLACE"]), ok());
    // FLUSH drops the libraries the payload does not hold.
    assert_eq!(c.cmd(&["FUNCTION", "LOAD", other]), bulk("other"));
    assert_eq!(restore(&mut c, &[b"FLUSH"]), ok());
    assert_eq!(c.cmd(&["FCALL", "other_fn", "0"]), err("ERR Function not found"));
    assert_eq!(c.cmd(&["FCALL", "echo_it", "0", "back"]), bulk("back"));
    // A function name another library holds fails the restore, and nothing changes.
    assert_eq!(c.cmd(&["FUNCTION", "FLUSH"]), ok());
    let clash = "#!lua name=clash\nredis.register_function('incr_it', function() return 0 end)";
    assert_eq!(c.cmd(&["FUNCTION", "LOAD", clash]), bulk("clash"));
    assert_eq!(restore(&mut c, &[b"REPLACE"]), err("ERR Function incr_it already exists"));
    assert_eq!(c.cmd(&["FCALL", "echo_it", "0", "x"]), err("ERR Function not found"));
    // Bad payloads and arguments.
    assert_eq!(restore(&mut c, &[b"NOPE"]), err("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."));
    assert_eq!(
        restore(&mut c, &[b"FLUSH", b"x"]),
        err("ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP.")
    );
    let mut broken = payload.clone();
    *broken.last_mut().unwrap() ^= 1;
    assert_eq!(c.cmd_bytes(&[b"FUNCTION", b"RESTORE", &broken]), err("ERR DUMP payload version or checksum are wrong"));
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    let Value::Bulk(key_payload) = c.cmd(&["DUMP", "k"]) else { panic!("a key payload") };
    assert_eq!(c.cmd_bytes(&[b"FUNCTION", b"RESTORE", &key_payload]), err("ERR given type is not a function"));
    // No libraries: a payload of just the footer, which restores to nothing.
    assert_eq!(c.cmd(&["FUNCTION", "FLUSH"]), ok());
    let Value::Bulk(empty) = c.cmd(&["FUNCTION", "DUMP"]) else { panic!("a payload") };
    assert_eq!(empty.len(), 10);
    assert_eq!(c.cmd_bytes(&[b"FUNCTION", b"RESTORE", &empty]), ok());
}
