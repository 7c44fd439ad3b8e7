//! TLS (`--tls-port`): clients speak the same protocol through rustls, client
//! certificates are checked as Redis's `tls-auth-clients` says, and a client that does not
//! speak TLS is dropped without disturbing the others. Certificates are made per test
//! with rcgen: a CA, a server certificate for localhost, client certificates.

mod common;

use common::{free_port, read_value, Client, Server, Value};
use rcgen::{BasicConstraints, Certificate, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A certificate and its key.
struct Identity {
    cert: Certificate,
    key: KeyPair,
}

/// A certificate authority that signs server and client certificates.
struct Authority {
    cert: Certificate,
    issuer: Issuer<'static, KeyPair>,
}

impl Authority {
    fn new() -> Authority {
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Authority { cert, issuer: Issuer::new(params, key) }
    }

    fn sign(&self, names: &[&str], usage: ExtendedKeyUsagePurpose) -> Identity {
        let mut params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
        params.extended_key_usages.push(usage);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Identity { cert, key }
    }
}

/// The files a TLS server is started with: its certificate and key, and the CA.
struct Files {
    _dir: tempfile::TempDir,
    cert: PathBuf,
    key: PathBuf,
    ca: PathBuf,
}

fn write_files(ca: &Authority, server: &Identity) -> Files {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("server.crt"), server.cert.pem()).unwrap();
    std::fs::write(path("server.key"), server.key.serialize_pem()).unwrap();
    std::fs::write(path("ca.crt"), ca.cert.pem()).unwrap();
    Files { cert: path("server.crt"), key: path("server.key"), ca: path("ca.crt"), _dir: dir }
}

fn tls_args<'a>(port: &'a str, files: &'a Files, auth: &'a str) -> Vec<&'a str> {
    vec![
        "--tls-port",
        port,
        "--tls-cert-file",
        files.cert.to_str().unwrap(),
        "--tls-key-file",
        files.key.to_str().unwrap(),
        "--tls-ca-cert-file",
        files.ca.to_str().unwrap(),
        "--tls-auth-clients",
        auth,
    ]
}

/// A RESP client over TLS.
struct TlsClient {
    reader: BufReader<StreamOwned<ClientConnection, TcpStream>>,
}

impl TlsClient {
    /// Connects to `port` trusting `ca`, presenting `identity` if given. The handshake
    /// completes (or fails) with the first exchange.
    fn connect(port: u16, ca: &Authority, identity: Option<&Identity>) -> TlsClient {
        let mut roots = RootCertStore::empty();
        roots.add(ca.cert.der().clone()).unwrap();
        let builder = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
        let config = match identity {
            Some(id) => {
                let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key.serialize_der()));
                builder.with_client_auth_cert(vec![id.cert.der().clone()], key).unwrap()
            }
            None => builder.with_no_client_auth(),
        };
        let conn = ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap()).unwrap();
        let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        TlsClient { reader: BufReader::new(StreamOwned::new(conn, sock)) }
    }

    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let stream = self.reader.get_mut();
        stream.write_all(bytes)?;
        stream.flush()
    }

    fn cmd(&mut self, args: &[&[u8]]) -> Value {
        self.send(&Client::encode(args)).unwrap();
        read_value(&mut self.reader)
    }

    /// Sends PING and reads the answer: what a client refused during the handshake sees.
    fn try_ping(&mut self) -> std::io::Result<Vec<u8>> {
        self.send(&Client::encode(&[b"PING"]))?;
        let mut reply = vec![0u8; 7];
        self.reader.read_exact(&mut reply)?;
        Ok(reply)
    }
}

#[test]
fn tls_clients_run_every_command_as_plain_ones_do() {
    let ca = Authority::new();
    let files = write_files(&ca, &ca.sign(&["localhost"], ExtendedKeyUsagePurpose::ServerAuth));
    let tls_port = free_port().to_string();
    let server = Server::start_with(&tls_args(&tls_port, &files, "no"));
    let port: u16 = tls_port.parse().unwrap();
    let mut c = TlsClient::connect(port, &ca, None);
    assert_eq!(c.cmd(&[b"PING"]), Value::Simple("PONG".into()));
    // A value over many TLS records, both ways.
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(c.cmd(&[b"SET", b"big", &big]), Value::Simple("OK".into()));
    assert_eq!(c.cmd(&[b"GET", b"big"]), Value::Bulk(big.clone()));
    // A pipeline in one write is answered in order.
    let mut pipeline = Vec::new();
    for i in 0..500 {
        pipeline.extend(Client::encode(&[b"INCR", b"counter"]));
        pipeline.extend(Client::encode(&[b"ECHO", format!("m{i}").as_bytes()]));
    }
    c.send(&pipeline).unwrap();
    for i in 0..500 {
        assert_eq!(read_value(&mut c.reader), Value::Int(i + 1));
        assert_eq!(read_value(&mut c.reader), Value::Bulk(format!("m{i}").into_bytes()));
    }
    // RESP3 and errors work as on a plain connection.
    assert!(matches!(c.cmd(&[b"HELLO", b"3"]), Value::Map(_)));
    assert_eq!(c.cmd(&[b"GET"]), Value::Error("ERR wrong number of arguments for 'get' command".into()));
    // Plain clients see the same data, and the settings.
    let mut plain = server.client();
    assert_eq!(plain.cmd(&["GET", "counter"]), Value::Bulk(b"500".to_vec()));
    assert_eq!(plain.cmd(&["STRLEN", "big"]), Value::Int(300_000));
    let config = plain.cmd(&["CONFIG", "GET", "tls-*"]).texts();
    assert!(config.windows(2).any(|w| w == ["tls-port", tls_port.as_str()]), "{config:?}");
    assert!(config.windows(2).any(|w| w == ["tls-auth-clients", "no"]), "{config:?}");
}

#[test]
fn a_client_that_does_not_speak_tls_is_dropped_and_others_carry_on() {
    let ca = Authority::new();
    let files = write_files(&ca, &ca.sign(&["localhost"], ExtendedKeyUsagePurpose::ServerAuth));
    let tls_port = free_port().to_string();
    let server = Server::start_with(&tls_args(&tls_port, &files, "no"));
    let port: u16 = tls_port.parse().unwrap();
    let mut good = TlsClient::connect(port, &ca, None);
    assert_eq!(good.cmd(&[b"SET", b"k", b"v"]), Value::Simple("OK".into()));
    // Plain RESP on the TLS port is not a handshake: the server closes the connection.
    let mut raw = TcpStream::connect(("127.0.0.1", port)).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    raw.write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
    let mut rest = Vec::new();
    let _ = raw.read_to_end(&mut rest);
    assert!(!rest.windows(4).any(|w| w == b"PONG"), "a plain client got an answer: {rest:?}");
    assert_eq!(good.cmd(&[b"GET", b"k"]), Value::Bulk(b"v".to_vec()));
    assert_eq!(server.client().cmd(&["GET", "k"]), Value::Bulk(b"v".to_vec()));
}

#[test]
fn client_certificates_are_required_by_default() {
    let ca = Authority::new();
    let files = write_files(&ca, &ca.sign(&["localhost"], ExtendedKeyUsagePurpose::ServerAuth));
    let client_id = ca.sign(&["client"], ExtendedKeyUsagePurpose::ClientAuth);
    let stranger = Authority::new().sign(&["client"], ExtendedKeyUsagePurpose::ClientAuth);
    let tls_port = free_port().to_string();
    let _server = Server::start_with(&tls_args(&tls_port, &files, "yes"));
    let port: u16 = tls_port.parse().unwrap();
    assert_eq!(TlsClient::connect(port, &ca, Some(&client_id)).try_ping().unwrap(), b"+PONG\r\n");
    assert!(TlsClient::connect(port, &ca, None).try_ping().is_err(), "a client without a certificate was served");
    assert!(TlsClient::connect(port, &ca, Some(&stranger)).try_ping().is_err(), "a certificate of another CA was accepted");
}

#[test]
fn optional_client_certificates_are_checked_only_when_presented() {
    let ca = Authority::new();
    let files = write_files(&ca, &ca.sign(&["localhost"], ExtendedKeyUsagePurpose::ServerAuth));
    let client_id = ca.sign(&["client"], ExtendedKeyUsagePurpose::ClientAuth);
    let stranger = Authority::new().sign(&["client"], ExtendedKeyUsagePurpose::ClientAuth);
    let tls_port = free_port().to_string();
    let _server = Server::start_with(&tls_args(&tls_port, &files, "optional"));
    let port: u16 = tls_port.parse().unwrap();
    assert_eq!(TlsClient::connect(port, &ca, None).try_ping().unwrap(), b"+PONG\r\n");
    assert_eq!(TlsClient::connect(port, &ca, Some(&client_id)).try_ping().unwrap(), b"+PONG\r\n");
    assert!(TlsClient::connect(port, &ca, Some(&stranger)).try_ping().is_err(), "a certificate of another CA was accepted");
}

/// Runs the server binary to its exit and returns its log.
fn failed_start(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_diskdb"))
        .args(["--port", &free_port().to_string(), "--dir", dir.path().to_str().unwrap()])
        .args(args)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success(), "the server started with {args:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_tls_settings_stop_the_server_with_a_reason() {
    let ca = Authority::new();
    let files = write_files(&ca, &ca.sign(&["localhost"], ExtendedKeyUsagePurpose::ServerAuth));
    let port = free_port().to_string();
    let log = failed_start(&["--tls-port", &port, "--tls-auth-clients", "no"]);
    assert!(log.contains("tls-cert-file and tls-key-file are required with tls-port"), "{log}");
    let (cert, key) = (files.cert.to_str().unwrap(), files.key.to_str().unwrap());
    // Client authentication is Redis's default, and needs a CA (Redis's message).
    let log = failed_start(&["--tls-port", &port, "--tls-cert-file", cert, "--tls-key-file", key]);
    assert!(log.contains("Either tls-ca-cert-file or tls-ca-cert-dir must be specified"), "{log}");
    // A key that is not a key.
    let log = failed_start(&["--tls-port", &port, "--tls-cert-file", cert, "--tls-key-file", cert, "--tls-auth-clients", "no"]);
    assert!(log.contains("cannot read a private key from"), "{log}");
    let log = failed_start(&["--tls-port", &port, "--tls-cert-file", cert, "--tls-key-file", key, "--tls-auth-clients", "maybe"]);
    assert!(log.contains("invalid tls-auth-clients: maybe"), "{log}");
}

/// Waits for a TLS server on `port` to answer PING.
fn wait_tls(port: u16, ca: &Authority, alive: &mut std::process::Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(matches!(alive.try_wait(), Ok(None)), "the server exited");
        if TcpStream::connect(("127.0.0.1", port)).is_ok() && TlsClient::connect(port, ca, None).try_ping().is_ok() {
            return;
        }
        assert!(Instant::now() < deadline, "no TLS server on {port}");
        std::thread::sleep(Duration::from_millis(30));
    }
}

#[test]
fn port_zero_beside_a_tls_port_means_tls_only() {
    let ca = Authority::new();
    let files = write_files(&ca, &ca.sign(&["localhost"], ExtendedKeyUsagePurpose::ServerAuth));
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_diskdb"))
        .args(["--port", "0", "--dir", dir.path().to_str().unwrap()])
        .args(tls_args(&port.to_string(), &files, "no"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("log")).unwrap())
        .spawn()
        .unwrap();
    wait_tls(port, &ca, &mut child);
    let mut c = TlsClient::connect(port, &ca, None);
    assert_eq!(c.cmd(&[b"SET", b"k", b"v"]), Value::Simple("OK".into()));
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(dir.path().join("log")).unwrap();
    assert!(log.contains("Ready to accept connections tls"), "{log}");
    assert!(!log.contains("Ready to accept connections tcp"), "a plain listener was opened: {log}");
}
