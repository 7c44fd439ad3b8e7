//! Geospatial commands, black-box against Redis 7 semantics: the scores, positions,
//! distances, geohashes and search results (their order included) are Redis's own, so
//! `DISKDB_TEST_REDIS=1` runs the same assertions against redis-server.

mod common;
use common::*;

fn texts(items: &[&str]) -> Value {
    arr(items.iter().map(|s| bulk(s)).collect())
}

fn sicily(c: &mut Client) {
    let added = c.cmd(&["GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"]);
    assert_eq!(added, int(2));
}

#[test]
fn positions_distances_and_hashes() {
    let s = Server::start();
    let mut c = s.client();
    sicily(&mut c);
    // The score is the 52-bit geohash, as in Redis.
    assert_eq!(c.cmd(&["ZSCORE", "Sicily", "Palermo"]).text(), "3479099956230698");
    assert_eq!(c.cmd(&["TYPE", "Sicily"]), Value::Simple("zset".into()));
    assert_eq!(
        c.cmd(&["GEOPOS", "Sicily", "Palermo", "nope"]),
        arr(vec![texts(&["13.36138933897018433", "38.11555639549629859"]), Value::Nil])
    );
    assert_eq!(c.cmd(&["GEODIST", "Sicily", "Palermo", "Catania"]), bulk("166274.1516"));
    assert_eq!(c.cmd(&["GEODIST", "Sicily", "Palermo", "Catania", "km"]), bulk("166.2742"));
    assert_eq!(c.cmd(&["GEODIST", "Sicily", "Palermo", "Catania", "MI"]), bulk("103.3182"));
    assert_eq!(c.cmd(&["GEODIST", "Sicily", "Palermo", "nope"]), Value::Nil);
    assert_eq!(
        c.cmd(&["GEOHASH", "Sicily", "Palermo", "Catania", "nope"]),
        arr(vec![bulk("sqc8b49rny0"), bulk("sqdtr74hyu0"), Value::Nil])
    );
    // NX, XX and CH are ZADD's.
    assert_eq!(c.cmd(&["GEOADD", "Sicily", "NX", "1", "1", "Palermo", "2", "2", "New"]), int(1));
    assert_eq!(c.cmd(&["GEOADD", "Sicily", "XX", "CH", "13.361389", "38.115556", "New"]), int(1));
    assert_eq!(c.cmd(&["GEOHASH", "Sicily", "New"]), arr(vec![bulk("sqc8b49rny0")]));
}

#[test]
fn searches_find_what_redis_finds_in_its_order() {
    let s = Server::start();
    let mut c = s.client();
    sicily(&mut c);
    c.cmd(&["GEOADD", "Sicily", "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2"]);
    // Unsorted: the order of the geohash boxes read, as Redis's.
    let around = ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"];
    assert_eq!(c.cmd(&around), texts(&["Palermo", "Catania"]));
    let mut sorted = around.to_vec();
    sorted.extend(["ASC", "WITHCOORD", "WITHDIST", "WITHHASH"]);
    assert_eq!(
        c.cmd(&sorted),
        arr(vec![
            arr(vec![bulk("Catania"), bulk("56.4413"), int(3479447370796909), texts(&["15.08726745843887329", "37.50266842333162032"])]),
            arr(vec![bulk("Palermo"), bulk("190.4424"), int(3479099956230698), texts(&["13.36138933897018433", "38.11555639549629859"])]),
        ])
    );
    assert_eq!(
        c.cmd(&["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "DESC"]),
        texts(&["edge1", "edge2", "Palermo", "Catania"])
    );
    assert_eq!(
        c.cmd(&["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "300", "km", "COUNT", "2"]),
        texts(&["Palermo", "edge1"])
    );
    assert_eq!(c.cmd(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "DESC"]).array().len(), 2);
    assert_eq!(c.cmd(&["GEORADIUSBYMEMBER_RO", "Sicily", "Catania", "1", "m"]), texts(&["Catania"]));
    assert_eq!(c.cmd(&["GEOSEARCH", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"]), arr(vec![]));
    // Stored: geohash scores, or distances with STOREDIST.
    assert_eq!(c.cmd(&["GEOSEARCHSTORE", "near", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"]), int(2));
    assert_eq!(c.cmd(&["ZSCORE", "near", "Catania"]).text(), "3479447370796909");
    assert_eq!(c.cmd(&["GEOSEARCHSTORE", "dist", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STOREDIST"]), int(2));
    assert_eq!(c.cmd(&["ZRANGE", "dist", "0", "-1"]), texts(&["Catania", "Palermo"]));
    assert!(c.cmd(&["ZSCORE", "dist", "Catania"]).text().starts_with("56.441"));
    assert_eq!(c.cmd(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "r1", "STOREDIST", "r2"]), int(2));
    assert_eq!(c.cmd(&["EXISTS", "r1", "r2"]), int(1));
    // An empty result deletes the destination.
    assert_eq!(c.cmd(&["GEOSEARCHSTORE", "near", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"]), int(0));
    assert_eq!(c.cmd(&["EXISTS", "near"]), int(0));
}

#[test]
fn geo_errors() {
    let s = Server::start();
    let mut c = s.client();
    sicily(&mut c);
    assert_eq!(c.cmd(&["GEOADD", "g", "200", "10", "x"]), err("ERR invalid longitude,latitude pair 200.000000,10.000000"));
    assert_eq!(c.cmd(&["GEOADD", "g", "x", "10", "m"]), err("ERR value is not a valid float"));
    assert_eq!(c.cmd(&["GEOADD", "g", "NX", "XX", "1", "2", "m"]), err("ERR syntax error"));
    assert_eq!(c.cmd(&["GEOADD", "g", "NX", "1", "2"]), err("ERR syntax error"));
    let unit = "ERR unsupported unit provided. please use M, KM, FT, MI";
    assert_eq!(c.cmd(&["GEODIST", "Sicily", "Palermo", "Catania", "yd"]), err(unit));
    let search = |opts: &[&str]| -> Vec<String> {
        let mut v = vec!["GEOSEARCH".to_string(), "Sicily".into()];
        v.extend(opts.iter().map(|s| s.to_string()));
        v
    };
    for (opts, expected) in [
        (&["FROMLONLAT", "15", "37", "BYRADIUS", "-1", "km"][..], "ERR radius cannot be negative"),
        (&["FROMLONLAT", "15", "37", "BYRADIUS", "x", "km"][..], "ERR need numeric radius"),
        (&["FROMLONLAT", "15", "37", "BYBOX", "1", "x", "km"][..], "ERR need numeric height"),
        (&["FROMLONLAT", "15", "37", "BYBOX", "-1", "1", "km"][..], "ERR height or width cannot be negative"),
        (&["FROMLONLAT", "15", "37", "BYRADIUS", "1", "parsec"][..], unit),
        (&["FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "ANY"][..], "ERR the ANY argument requires COUNT argument"),
        (&["FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "COUNT", "0"][..], "ERR COUNT must be > 0"),
        (&["FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "STORE", "x"][..], "ERR syntax error"),
        (&["FROMMEMBER", "nope", "BYRADIUS", "1", "km"][..], "ERR could not decode requested zset member"),
        (&["BYRADIUS", "1", "km", "ASC", "COUNT", "1"][..], "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH"),
        (&["FROMLONLAT", "15", "37", "ASC", "COUNT", "1"][..], "ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH"),
        (&["FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km"][..], "ERR syntax error"),
    ] {
        let args = search(opts);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(c.cmd(&args), err(expected), "{opts:?}");
    }
    assert_eq!(
        c.cmd(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "STORE", "d"]),
        err("ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
    );
    assert_eq!(
        c.cmd(&["GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHDIST"]),
        err("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
    );
    c.cmd(&["SET", "str", "x"]);
    let wrongtype = "WRONGTYPE Operation against a key holding the wrong kind of value";
    assert_eq!(c.cmd(&["GEOADD", "str", "1", "1", "m"]), err(wrongtype));
    assert_eq!(c.cmd(&["GEOPOS", "str", "m"]), err(wrongtype));
    assert_eq!(c.cmd(&["GEOSEARCH", "str", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"]), err(wrongtype));
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "GEORADIUS", "src", "1", "1", "1", "km", "STORE", "a", "STOREDIST", "b"]),
        texts(&["src", "a", "b"])
    );
}
