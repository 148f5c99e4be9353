//! TLS: a handshake that accepts any certificate but keeps the chain, so the scan can say what
//! the server presents (subject, issuer, expiry, self-signed, key size) instead of refusing it.
//!
//! rustls speaks TLS 1.2 and 1.3 only; whether a server also accepts TLS 1.0/1.1 is asked with
//! a hand-made ClientHello ([`crate::tls_versions`]) and recorded in [`TlsInfo::versions`].

use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::Serialize;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::tls_versions::{TlsVersion, VersionProbe, accepted_legacy};

/// A certificate as the server presented it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// End of validity, `YYYY-MM-DDTHH:MM:SSZ`.
    pub not_after: String,
    /// True when `not_after` has passed.
    pub expired: bool,
    /// True when the issuer is the subject (nobody vouches for it).
    pub self_signed: bool,
    /// Public key size in bits, when the key type is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_bits: Option<usize>,
}

/// What a handshake showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsInfo {
    /// Negotiated protocol (`TLSv1_3`).
    pub protocol: String,
    /// The chain, leaf first; a certificate that does not parse is left out.
    pub chain: Vec<CertificateInfo>,
    /// TLS 1.0 and 1.1 offered in hand-made ClientHellos, and the answers; empty when not
    /// probed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<VersionProbe>,
}

impl TlsInfo {
    /// The leaf certificate.
    pub fn leaf(&self) -> Option<&CertificateInfo> {
        self.chain.first()
    }

    /// The deprecated versions (TLS 1.0, 1.1) the server accepted, oldest first.
    pub fn accepted_legacy(&self) -> Vec<TlsVersion> {
        accepted_legacy(&self.versions)
    }
}

/// Accepts every certificate and records the chain. Handshake signatures are not checked either:
/// the verifier rustls offers for them rejects X.509 v1 certificates, which old phones and
/// `openssl ca` without extensions still issue, and the scan sends nothing worth protecting.
#[derive(Debug)]
struct Recorder {
    chain: Mutex<Vec<CertificateDer<'static>>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = self.chain.lock().unwrap_or_else(PoisonError::into_inner);
        chain.clear();
        chain.push(end_entity.clone().into_owned());
        chain.extend(intermediates.iter().map(|cert| cert.clone().into_owned()));
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Runs the handshake on `tcp` and returns the TLS stream with what it showed.
pub async fn handshake(
    tcp: TcpStream,
    address: IpAddr,
) -> std::io::Result<(TlsStream<TcpStream>, TlsInfo)> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let recorder = Arc::new(Recorder {
        chain: Mutex::new(Vec::new()),
        provider: Arc::clone(&provider),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::clone(&recorder) as Arc<dyn ServerCertVerifier>)
        .with_no_client_auth();
    let stream = TlsConnector::from(Arc::new(config))
        .connect(ServerName::from(address), tcp)
        .await?;
    let protocol = stream
        .get_ref()
        .1
        .protocol_version()
        .map(|version| format!("{version:?}"))
        .unwrap_or_default();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let chain = recorder
        .chain
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter_map(|der| describe(der, now))
        .collect();
    Ok((
        stream,
        TlsInfo {
            protocol,
            chain,
            versions: Vec::new(),
        },
    ))
}

/// What a DER certificate says, judged at `now` (Unix seconds).
pub fn describe(der: &[u8], now: i64) -> Option<CertificateInfo> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let not_after = cert.validity().not_after;
    let key_bits = match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => Some(rsa.key_size()),
        Ok(PublicKey::EC(ec)) => Some(ec.key_size()),
        _ => None,
    };
    let moment = not_after.to_datetime();
    Some(CertificateInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_after: format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            moment.year(),
            u8::from(moment.month()),
            moment.day(),
            moment.hour(),
            moment.minute(),
            moment.second()
        ),
        expired: not_after.timestamp() < now,
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        key_bits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(describe(b"", 0), None);
        assert_eq!(describe(&[0x30, 0x82, 0x01], 0), None);
    }
}
