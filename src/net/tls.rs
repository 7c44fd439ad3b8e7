//! TLS with rustls (DESIGN.md §4): the acceptor that turns an accepted TCP connection into
//! a TLS stream, which the connection code then serves like any other (`AsyncRead +
//! AsyncWrite`). Certificates and keys are read once, at start-up.

use crate::config::{AuthClients, Tls};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};

pub use tokio_rustls::TlsAcceptor;

/// Builds the acceptor for `tls`, or says which file or setting is wrong.
pub fn acceptor(tls: &Tls) -> Result<TlsAcceptor, String> {
    let (Some(cert_file), Some(key_file)) = (&tls.cert_file, &tls.key_file) else {
        return Err("tls-cert-file and tls-key-file are required with tls-port".into());
    };
    let chain = certificates(cert_file)?;
    let key = PrivateKeyDer::from_pem_file(key_file).map_err(|e| format!("cannot read a private key from {}: {e}", key_file.display()))?;
    let provider = Arc::new(ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    let builder = match (&tls.ca_cert_file, tls.auth_clients) {
        (_, AuthClients::No) | (None, _) => builder.with_no_client_auth(),
        (Some(ca_file), auth) => {
            let mut roots = RootCertStore::empty();
            for ca in certificates(ca_file)? {
                roots.add(ca).map_err(|e| format!("bad CA certificate in {}: {e}", ca_file.display()))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if auth == AuthClients::Optional { verifier.allow_unauthenticated() } else { verifier };
            builder.with_client_cert_verifier(verifier.build().map_err(|e| format!("TLS client verification: {e}"))?)
        }
    };
    let config = builder
        .with_single_cert(chain, key)
        .map_err(|e| format!("{} and {} do not make a certificate: {e}", cert_file.display(), key_file.display()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Every certificate in a PEM file, refusing a file that holds none.
fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let read = |e: rustls_pki_types::pem::Error| format!("cannot read certificates from {}: {e}", path.display());
    let certs = CertificateDer::pem_file_iter(path).map_err(read)?.collect::<Result<Vec<_>, _>>().map_err(read)?;
    if certs.is_empty() {
        return Err(format!("no certificate in {}", path.display()));
    }
    Ok(certs)
}
