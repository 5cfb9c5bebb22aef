//! TLS to the server, as libpq's `sslmode` and `sslrootcert` say
//! (<https://www.postgresql.org/docs/15/libpq-ssl.html>), through the
//! platform's TLS library (`native-tls`: OpenSSL on Linux).
//!
//! The driver's own URL parser knows only `disable`, `prefer` and
//! `require`, and verifies every certificate whenever TLS is on; libpq's
//! `require` encrypts without verifying, `verify-ca` checks the chain and
//! `verify-full` the chain and the host name. So the two parameters are
//! taken out of the URL here and decided as libpq decides them.

use std::path::PathBuf;

use native_tls::{Certificate, TlsConnector};
use postgres::config::SslMode;
use postgres_native_tls::MakeTlsConnector;
use sesshu_core::store::StoreError;

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Nothing: encryption only (libpq's `prefer` and `require` without a
    /// root certificate).
    None,
    /// The chain to a trusted root, not the host name (`verify-ca`, or
    /// `require` with `sslrootcert`).
    Chain,
    /// The chain and the host name (`verify-full`).
    Full,
}

/// What a connection URL asks of TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// Whether TLS is off, tried, or required.
    pub mode: SslMode,
    /// What is checked when it is on.
    pub verification: Verification,
    /// A file of trusted root certificates (PEM), instead of the system's.
    pub root_cert: Option<PathBuf>,
}

/// Splits `sslmode` and `sslrootcert` out of a URL
/// (`postgres://…?sslmode=verify-full&sslrootcert=/etc/ca.pem`) or a
/// key=value string (`host=db sslmode=require`): the rest, for the driver,
/// and the settings. Without `sslmode`, libpq's default, `prefer`.
pub fn split(url: &str) -> Result<(String, TlsSettings), StoreError> {
    let mut mode = None;
    let mut root_cert = None;
    let mut take = |key: &str, value: String| -> bool {
        match key {
            "sslmode" => {
                mode = Some(value);
                true
            }
            "sslrootcert" => {
                root_cert = Some(PathBuf::from(value));
                true
            }
            _ => false,
        }
    };
    let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        match url.split_once('?') {
            None => url.to_owned(),
            Some((base, query)) => {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|pair| {
                        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                        !take(k, percent_decode(v))
                    })
                    .collect();
                if kept.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
        }
    } else {
        url.split_whitespace()
            .filter(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                !take(k.trim(), v.trim().to_owned())
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let bad = |m: &str| {
        StoreError::backend(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "sslmode={m} is not one of disable, allow, prefer, require, verify-ca, verify-full"
            ),
        ))
    };
    let has_root = root_cert.is_some();
    let (mode, verification) = match mode.as_deref().unwrap_or("prefer") {
        "disable" => (SslMode::Disable, Verification::None),
        "allow" | "prefer" => (SslMode::Prefer, Verification::None),
        // libpq: `require` with a root certificate checks the chain.
        "require" if has_root => (SslMode::Require, Verification::Chain),
        "require" => (SslMode::Require, Verification::None),
        "verify-ca" => (SslMode::Require, Verification::Chain),
        "verify-full" => (SslMode::Require, Verification::Full),
        other => return Err(bad(other)),
    };
    Ok((
        rest,
        TlsSettings {
            mode,
            verification,
            root_cert,
        },
    ))
}

/// The connector for `settings`.
pub fn connector(settings: &TlsSettings) -> Result<MakeTlsConnector, StoreError> {
    let mut builder = TlsConnector::builder();
    match settings.verification {
        Verification::None => {
            builder
                .danger_accept_invalid_certs(true)
                .danger_accept_invalid_hostnames(true);
        }
        Verification::Chain => {
            builder.danger_accept_invalid_hostnames(true);
        }
        Verification::Full => {}
    }
    if let Some(path) = &settings.root_cert {
        let pem = std::fs::read(path).map_err(|e| {
            StoreError::backend(std::io::Error::new(
                e.kind(),
                format!("sslrootcert {}: {e}", path.display()),
            ))
        })?;
        let cert = Certificate::from_pem(&pem).map_err(StoreError::backend)?;
        builder.add_root_certificate(cert);
    }
    let connector = builder.build().map_err(StoreError::backend)?;
    Ok(MakeTlsConnector::new(connector))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_root_are_read_as_libpq_reads_them() {
        let (rest, s) =
            split("postgres://u@db:5432/x?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&connect_timeout=5")
                .unwrap();
        assert_eq!(rest, "postgres://u@db:5432/x?connect_timeout=5");
        assert_eq!(s.verification, Verification::Full);
        assert_eq!(s.root_cert, Some(PathBuf::from("/etc/ca.pem")));
        let (rest, s) = split("host=db user=u sslmode=require").unwrap();
        assert_eq!(rest, "host=db user=u");
        assert_eq!(
            (s.mode, s.verification),
            (SslMode::Require, Verification::None)
        );
        let (_, s) = split("postgres://u@db/x?sslmode=require&sslrootcert=ca.pem").unwrap();
        assert_eq!(s.verification, Verification::Chain);
        let (rest, s) = split("postgres://u@db/x").unwrap();
        assert_eq!(rest, "postgres://u@db/x");
        assert_eq!(s.mode, SslMode::Prefer);
        assert!(split("postgres://u@db/x?sslmode=always").is_err());
    }
}
