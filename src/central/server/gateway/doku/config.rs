//! DOKU's settings from the environment, and the RSA keys they point at.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::signature::RsaKeyPair;

/// Where DOKU's sandbox answers; production is `https://api.doku.com`.
pub const SANDBOX_URL: &str = "https://api-sandbox.doku.com";

/// How long a call to DOKU may take before its outcome counts as unknown.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// DOKU's examples and the SNAP host-to-host integrations use `H2H`.
pub const DEFAULT_CHANNEL_ID: &str = "H2H";

/// Everything the DOKU gateway needs to talk to DOKU.
#[derive(Clone)]
pub struct DokuConfig {
    /// `DOKU_BASE_URL`, e.g. `https://api-sandbox.doku.com` (no trailing `/`).
    pub base_url: String,
    /// `DOKU_CLIENT_ID`: DOKU's client id, sent as X-CLIENT-KEY and
    /// X-PARTNER-ID.
    pub client_id: String,
    /// `DOKU_CLIENT_SECRET`: the HMAC key of every transactional request.
    pub client_secret: String,
    /// `DOKU_PRIVATE_KEY`: the merchant's RSA private key (PEM, PKCS#8 or
    /// PKCS#1) that signs access-token requests.
    pub private_key: PathBuf,
    /// `DOKU_PUBLIC_KEY`: DOKU's RSA public key (PEM, SPKI or PKCS#1) that
    /// checks DOKU's notifications.
    pub public_key: PathBuf,
    /// `DOKU_MERCHANT_ID`: the merchant id DOKU gave for QRIS.
    pub merchant_id: String,
    /// `DOKU_TERMINAL_ID`: the terminal id DOKU registered for QRIS.
    pub terminal_id: String,
    /// `DOKU_CHANNEL_ID` (optional): the CHANNEL-ID header, `H2H` by default.
    pub channel_id: String,
    /// `DOKU_TIMEOUT_SECS` (optional): a whole request's time limit.
    pub timeout: Duration,
}

// The secret stays out of logs and panic messages.
impl fmt::Debug for DokuConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DokuConfig")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<hidden>")
            .field("private_key", &self.private_key)
            .field("public_key", &self.public_key)
            .field("merchant_id", &self.merchant_id)
            .field("terminal_id", &self.terminal_id)
            .field("channel_id", &self.channel_id)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What is wrong with the DOKU settings.
#[derive(Debug, thiserror::Error)]
pub enum DokuConfigError {
    #[error("environment variable {var} is not set (the DOKU gateway needs it)")]
    Missing { var: &'static str },
    #[error("environment variable {var}={value:?} is invalid: {why}")]
    Invalid { var: &'static str, value: String, why: &'static str },
    #[error("cannot read {var} file {}", path.display())]
    KeyRead {
        var: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{var} file {} is not a usable RSA key: {why}", path.display())]
    KeyFormat { var: &'static str, path: PathBuf, why: String },
    #[error("cannot set up the HTTP client for DOKU")]
    Http(#[source] reqwest::Error),
}

impl DokuConfig {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<DokuConfig, DokuConfigError> {
        DokuConfig::from_lookup(|var| std::env::var(var).ok())
    }

    /// Reads the settings through `lookup` (the environment, or a test's map).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<DokuConfig, DokuConfigError> {
        let required = |var: &'static str| match lookup(var) {
            Some(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
            _ => Err(DokuConfigError::Missing { var }),
        };

        let base_url = required("DOKU_BASE_URL")?.trim_end_matches('/').to_owned();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err(DokuConfigError::Invalid {
                var: "DOKU_BASE_URL",
                value: base_url,
                why: "must start with https:// (or http:// for a local test server)",
            });
        }
        let timeout = match lookup("DOKU_TIMEOUT_SECS") {
            None => DEFAULT_TIMEOUT,
            Some(v) => match v.trim().parse::<u64>() {
                Ok(secs) if (1..=300).contains(&secs) => Duration::from_secs(secs),
                _ => {
                    return Err(DokuConfigError::Invalid {
                        var: "DOKU_TIMEOUT_SECS",
                        value: v,
                        why: "must be whole seconds from 1 to 300",
                    });
                }
            },
        };
        let channel_id = lookup("DOKU_CHANNEL_ID")
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_CHANNEL_ID.to_owned());

        Ok(DokuConfig {
            base_url,
            client_id: required("DOKU_CLIENT_ID")?,
            client_secret: required("DOKU_CLIENT_SECRET")?,
            private_key: PathBuf::from(required("DOKU_PRIVATE_KEY")?),
            public_key: PathBuf::from(required("DOKU_PUBLIC_KEY")?),
            merchant_id: required("DOKU_MERCHANT_ID")?,
            terminal_id: required("DOKU_TERMINAL_ID")?,
            channel_id,
            timeout,
        })
    }
}

/// Loads the merchant's private key: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
/// (`BEGIN RSA PRIVATE KEY`). Encrypted keys are refused: the central has
/// no passphrase to give.
pub(super) fn load_private_key(path: &Path) -> Result<RsaKeyPair, DokuConfigError> {
    const VAR: &str = "DOKU_PRIVATE_KEY";
    let bad = |why: String| DokuConfigError::KeyFormat { var: VAR, path: path.to_owned(), why };
    let text = read_key_file(VAR, path)?;
    let (label, der) = pem_decode(&text).map_err(bad)?;
    let key = match label.as_str() {
        "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der),
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der),
        "ENCRYPTED PRIVATE KEY" => {
            return Err(bad("the key is encrypted; store it without a passphrase".into()));
        }
        other => return Err(bad(format!("PEM label {other:?} is not an RSA private key"))),
    };
    key.map_err(|e| bad(format!("rejected: {e}")))
}

/// Loads DOKU's public key as the PKCS#1 `RSAPublicKey` DER that ring
/// verifies with: from SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA
/// PUBLIC KEY`).
pub(super) fn load_public_key(path: &Path) -> Result<Vec<u8>, DokuConfigError> {
    const VAR: &str = "DOKU_PUBLIC_KEY";
    let bad = |why: String| DokuConfigError::KeyFormat { var: VAR, path: path.to_owned(), why };
    let text = read_key_file(VAR, path)?;
    let (label, der) = pem_decode(&text).map_err(bad)?;
    match label.as_str() {
        "PUBLIC KEY" => spki_rsa_key(&der).map(<[u8]>::to_vec).map_err(|w| bad(w.into())),
        "RSA PUBLIC KEY" => Ok(der),
        other => Err(bad(format!("PEM label {other:?} is not an RSA public key"))),
    }
}

fn read_key_file(var: &'static str, path: &Path) -> Result<String, DokuConfigError> {
    std::fs::read_to_string(path).map_err(|source| DokuConfigError::KeyRead {
        var,
        path: path.to_owned(),
        source,
    })
}

/// Decodes the first PEM block of `text` into its label and DER bytes.
fn pem_decode(text: &str) -> Result<(String, Vec<u8>), String> {
    let start = text.find("-----BEGIN ").ok_or("no PEM \"-----BEGIN\" line")?;
    let rest = &text[start + "-----BEGIN ".len()..];
    let label_end = rest.find("-----").ok_or("unterminated PEM BEGIN line")?;
    let label = rest[..label_end].to_owned();
    let body = &rest[label_end + 5..];
    let end_line = format!("-----END {label}-----");
    let end = body.find(&end_line).ok_or_else(|| format!("no {end_line:?} line"))?;
    let b64: String = body[..end].chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if b64.contains(':') {
        return Err("PEM headers (an encrypted PKCS#1 key?) are not supported".into());
    }
    let der = STANDARD.decode(b64).map_err(|e| format!("bad base64 in PEM body: {e}"))?;
    Ok((label, der))
}

/// The DER encoding of the rsaEncryption algorithm identifier's OID.
const RSA_ENCRYPTION_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// Takes the `RSAPublicKey` out of a SubjectPublicKeyInfo:
/// `SEQUENCE { SEQUENCE { OID, params }, BIT STRING { 0x00, key } }`.
fn spki_rsa_key(der: &[u8]) -> Result<&[u8], &'static str> {
    let (spki, rest) = der_take(der, 0x30).ok_or("not a DER SEQUENCE")?;
    if !rest.is_empty() {
        return Err("bytes after the public key");
    }
    let (algorithm, after) = der_take(spki, 0x30).ok_or("no algorithm identifier")?;
    let (oid, _) = der_take(algorithm, 0x06).ok_or("no algorithm OID")?;
    if oid != RSA_ENCRYPTION_OID {
        return Err("not an RSA key (algorithm is not rsaEncryption)");
    }
    let (bits, _) = der_take(after, 0x03).ok_or("no public key BIT STRING")?;
    match bits.split_first() {
        Some((0, key)) => Ok(key),
        _ => Err("public key BIT STRING has unused bits"),
    }
}

/// Reads one DER element with tag `tag`: returns its contents and the rest.
fn der_take(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = input.split_first()?;
    if t != tag {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        rest = &rest[n..];
        len
    };
    (rest.len() >= len).then(|| rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    const FULL: &[(&str, &str)] = &[
        ("DOKU_BASE_URL", "https://api-sandbox.doku.com/"),
        ("DOKU_CLIENT_ID", "BRN-0001-0000000000001"),
        ("DOKU_CLIENT_SECRET", "SK-secret"),
        ("DOKU_PRIVATE_KEY", "/keys/merchant.pem"),
        ("DOKU_PUBLIC_KEY", "/keys/doku.pem"),
        ("DOKU_MERCHANT_ID", "2115"),
        ("DOKU_TERMINAL_ID", "A01"),
    ];

    #[test]
    fn a_full_environment_gives_defaults_for_the_optional_settings() {
        let c = DokuConfig::from_lookup(env(FULL)).unwrap();
        assert_eq!(c.base_url, "https://api-sandbox.doku.com");
        assert_eq!(c.channel_id, "H2H");
        assert_eq!(c.timeout, Duration::from_secs(10));
        assert_eq!(c.private_key, PathBuf::from("/keys/merchant.pem"));
        assert!(!format!("{c:?}").contains("SK-secret"));
    }

    #[test]
    fn each_missing_variable_is_named() {
        for (var, _) in FULL {
            let pairs: Vec<_> = FULL.iter().copied().filter(|(k, _)| k != var).collect();
            let err = DokuConfig::from_lookup(env(&pairs)).unwrap_err();
            assert!(matches!(err, DokuConfigError::Missing { var: v } if v == *var), "{err}");
            assert!(err.to_string().contains(var));
        }
    }

    #[test]
    fn a_bad_timeout_or_url_is_refused() {
        let mut pairs = FULL.to_vec();
        pairs.push(("DOKU_TIMEOUT_SECS", "ten"));
        let err = DokuConfig::from_lookup(env(&pairs)).unwrap_err();
        assert!(err.to_string().contains("DOKU_TIMEOUT_SECS"), "{err}");

        let mut pairs = FULL.to_vec();
        pairs[0] = ("DOKU_BASE_URL", "api.doku.com");
        let err = DokuConfig::from_lookup(env(&pairs)).unwrap_err();
        assert!(err.to_string().contains("DOKU_BASE_URL"), "{err}");
    }

    #[test]
    fn a_missing_key_file_names_the_variable_and_the_path() {
        let err = load_private_key(Path::new("/nonexistent/merchant.pem")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("DOKU_PRIVATE_KEY") && text.contains("/nonexistent/merchant.pem"));
    }

    #[test]
    fn der_lengths_in_long_form_are_read() {
        // SEQUENCE of 0x81 0x02 (two bytes, long form), then a trailing byte.
        let (inner, rest) = der_take(&[0x30, 0x81, 0x02, 0xaa, 0xbb, 0xcc], 0x30).unwrap();
        assert_eq!(inner, &[0xaa, 0xbb]);
        assert_eq!(rest, &[0xcc]);
        assert!(der_take(&[0x30, 0x05, 0x00], 0x30).is_none());
    }
}
