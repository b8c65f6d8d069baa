//! Identifying a loyalty member at the device: by the app's QR code, which
//! the device checks offline with the central's cached public key, or by a
//! typed phone number, which only the central can look up.
//!
//! The device keeps no phone number: a typed number is normalised in
//! memory, sent in the body of one request, and dropped. Nothing about the
//! member is written to the device database, and the logs name neither the
//! number nor the member.

use tracing::debug;

use super::Device;
use crate::central::api::{IdentifyMember, Member};
use crate::central::client::ClientError;
use crate::domain::loyalty::{PhoneError, Tier, normalise_phone};
use crate::store::StoreError;
use crate::tokens::{Kind, TokenError, Verifier};

/// Why a member could not be identified.
#[derive(Debug, thiserror::Error)]
pub enum IdentifyError {
    #[error(transparent)]
    Code(#[from] TokenError),
    #[error("not a member code, and not a phone number: {0}")]
    Phone(#[from] PhoneError),
    #[error("a phone number can only be looked up with the central, which does not answer now")]
    NeedsCentral,
    #[error(
        "this device has not fetched the central's key yet and the central does not answer, \
         so the member code cannot be checked"
    )]
    NoKey,
    #[error("the member code names the tier {0:?}, which this device does not know")]
    UnknownTier(String),
    #[error(transparent)]
    Central(ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the device database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// How a member was identified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked {
    /// The central answered: name and points are fresh.
    Online,
    /// The code's signature and expiry were checked with the cached key;
    /// the central did not answer, so name and points are unknown.
    Offline,
}

/// What the member screen shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentifiedMember {
    pub id: String,
    pub tier: Tier,
    /// `None` when checked offline.
    pub name: Option<String>,
    /// The points free to spend; `None` when checked offline.
    pub points: Option<u64>,
    /// `YYYY-MM-DD`, when the central gave it.
    pub birthday: Option<String>,
    pub checked: Checked,
}

impl IdentifiedMember {
    /// The member as the central answered for them.
    pub(crate) fn online(m: Member) -> Result<IdentifiedMember, IdentifyError> {
        let tier = Tier::parse(&m.tier).ok_or(IdentifyError::UnknownTier(m.tier))?;
        Ok(IdentifiedMember {
            id: m.id,
            tier,
            name: Some(m.name),
            points: Some(m.points),
            birthday: m.birthday,
            checked: Checked::Online,
        })
    }
}

/// The device setting that holds the central's token key.
pub(super) const TOKEN_KEY: &str = "token_key";

impl Device {
    /// Identifies a member from what the shopper scanned or typed: a
    /// `SWM1.` member code, or a phone number in any usual form.
    ///
    /// A code is checked offline first (a forged or expired code is refused
    /// even with the central down), then refreshed from the central when it
    /// answers. A phone number needs the central.
    pub async fn identify_member(&self, text: &str) -> Result<IdentifiedMember, IdentifyError> {
        let text = text.trim();
        // A code typed or read in the wrong case is still a code: it gets
        // the "damaged code" answer, not the phone number one.
        let prefix = Kind::Member.prefix();
        let looks_like_code =
            text.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix));
        if looks_like_code || Kind::of(text).is_some() {
            return self.identify_by_code(text).await;
        }
        let phone = normalise_phone(text)?;
        let by = IdentifyMember { code: None, phone: Some(phone) };
        match self.client.identify_member(&by).await {
            Ok(m) => {
                debug!(how = "phone", "member identified");
                IdentifiedMember::online(m)
            }
            Err(e) if e.is_retryable() => Err(IdentifyError::NeedsCentral),
            Err(e) => Err(IdentifyError::Central(e)),
        }
    }

    async fn identify_by_code(&self, code: &str) -> Result<IdentifiedMember, IdentifyError> {
        let verifier = self.token_key().await?;
        let now = chrono::Utc::now().timestamp();
        let claims: crate::central::api::MemberClaims = verifier.verify(Kind::Member, code, now)?;
        let tier = Tier::parse(&claims.t).ok_or(IdentifyError::UnknownTier(claims.t))?;
        let by = IdentifyMember { code: Some(code.to_owned()), phone: None };
        match self.client.identify_member(&by).await {
            Ok(m) => {
                debug!(how = "code", "member identified");
                IdentifiedMember::online(m)
            }
            Err(e) if e.is_retryable() => {
                debug!(how = "code", "member identified offline");
                Ok(IdentifiedMember {
                    id: claims.m,
                    tier,
                    name: None,
                    points: None,
                    birthday: None,
                    checked: Checked::Offline,
                })
            }
            Err(e) => Err(IdentifyError::Central(e)),
        }
    }

    /// The central's token key: the cached one, or fetched (and cached)
    /// when the device has none yet.
    async fn token_key(&self) -> Result<Verifier, IdentifyError> {
        let cached = self.with_store_blocking(|s| s.setting(TOKEN_KEY)).await;
        let cached = cached.map_err(|e| match e {
            super::DeviceError::Store(e) => IdentifyError::Store(e),
            super::DeviceError::Task(e) => IdentifyError::Task(e),
            _ => IdentifyError::NoKey,
        })?;
        if let Some(key) = cached.and_then(|k| Verifier::from_base64(&k).ok()) {
            return Ok(key);
        }
        match self.refresh_token_key().await {
            Ok(Some(key)) => Ok(key),
            _ => Err(IdentifyError::NoKey),
        }
    }

    /// Fetches the central's token key and caches it as a device setting;
    /// `None` when the central sent a key this device cannot read.
    pub(super) async fn refresh_token_key(&self) -> super::Result<Option<Verifier>> {
        let keys = self.client.keys().await?;
        let Ok(key) = Verifier::from_base64(&keys.tokens) else {
            tracing::warn!(
                "the central's token key cannot be read; member codes are checked online"
            );
            return Ok(None);
        };
        let text = key.to_base64();
        self.with_store_blocking(move |s| s.set_setting(TOKEN_KEY, &text)).await?;
        Ok(Some(key))
    }
}
