//! Keyed, deterministic pseudonyms: HMAC-SHA256 under the caller's key, with a domain label per
//! kind of value. No map is stored: the same key gives the same pseudonym in every runtime and
//! run, and without the key a pseudonym cannot be reversed or recomputed.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};
use crate::values::trim_padding;

/// Keys shorter than this are refused.
pub const MIN_KEY_BYTES: usize = 16;

pub(crate) struct Pseudonyms {
    key: Vec<u8>,
}

impl Pseudonyms {
    pub fn new(key: Option<&[u8]>) -> Result<Self> {
        let key = match key {
            Some(k) if k.len() < MIN_KEY_BYTES => {
                return Err(Error::settings(
                    "settings.key_too_short",
                    format!(
                        "the key has {} bytes; at least {MIN_KEY_BYTES} are needed",
                        k.len()
                    ),
                ))
            }
            Some(k) => k.to_vec(),
            None => {
                let mut k = vec![0u8; 32];
                getrandom::fill(&mut k).map_err(|e| Error::Random {
                    message: e.to_string(),
                })?;
                k
            }
        };
        Ok(Pseudonyms { key })
    }

    pub(crate) fn mac(&self, domain: &str, value: &str) -> [u8; 32] {
        // A key of any length is valid for HMAC, so this cannot fail.
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC takes any key length");
        m.update(domain.as_bytes());
        m.update(&[0]);
        m.update(value.as_bytes());
        m.finalize().into_bytes().into()
    }

    /// `2.25.` and the decimal of 128 keyed bits: valid UID syntax, at most 44 characters.
    pub fn uid(&self, uid: &str) -> String {
        let h = self.mac("uid", trim_padding(uid));
        let n = u128::from_be_bytes(h[..16].try_into().expect("16 bytes"));
        format!("2.25.{n}")
    }

    /// `PAT-` and 20 upper-case hex digits.
    pub fn patient_id(&self, id: &str) -> String {
        format!(
            "PAT-{}",
            hex_upper(&self.mac("patient-id", trim_padding(id))[..10])
        )
    }

    /// Days to add to every date of one patient: between -3650 and -1.
    pub fn date_offset_days(&self, patient: &str) -> i64 {
        let h = self.mac("date-offset", patient);
        let n = u64::from_be_bytes(h[..8].try_into().expect("8 bytes"));
        -1 - (n % 3650) as i64
    }

    /// Upper-case hex of the keyed hash, cut to `max` characters.
    pub fn hash_text(&self, value: &str, max: usize) -> String {
        let mut s = hex_upper(&self.mac("text", trim_padding(value)));
        s.truncate(max.max(1));
        s
    }
}

fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}
