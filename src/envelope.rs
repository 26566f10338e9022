//! The cryptographic envelope of the Encrypted Attributes Sequence (PS3.15 E.1.1): a CMS
//! EnvelopedData (RFC 5652) that only the holder of a recipient's private key can open.
//!
//! Everything cryptographic is RustCrypto's: `cms` builds the envelope, `rsa` wraps and unwraps
//! the content key (PKCS#1 v1.5, `rsaEncryption`), `aes`/`des` with `cbc` encrypt the content.
//! This module only chooses algorithms, matches recipients and maps errors.

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::{block_padding::Pkcs7, BlockModeDecrypt, KeyIvInit};
use cms::builder::{
    ContentEncryptionAlgorithm, EnvelopedDataBuilder, KeyEncryptionInfo,
    KeyTransRecipientInfoBuilder,
};
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::ContentInfo;
use cms::enveloped_data::{EnvelopedData, RecipientIdentifier, RecipientInfo};
use der::asn1::OctetStringRef;
use der::oid::db::rfc5911::{
    DES_EDE_3_CBC, ID_AES_128_CBC, ID_AES_192_CBC, ID_AES_256_CBC, ID_ENVELOPED_DATA,
};
use der::oid::db::rfc5912::RSA_ENCRYPTION;
use der::referenced::OwnedToRef;
use der::{Any, Decode, Encode};
use pkcs1::DecodeRsaPrivateKey;
use pkcs8::DecodePrivateKey;
use rand_core::{TryCryptoRng, TryRng};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, PrivateKey, PublicKey};
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::Certificate;

use crate::error::{Error, Result};

/// Smaller RSA keys are refused: the envelope protects identities for as long as files are kept.
const MIN_RSA_BITS: usize = 2048;

/// A recipient of the envelope: the holder of the private key of an RSA certificate.
///
/// Only RSA: PS3.15 E.1.1 names RSA key transport (`KeyTransRecipientInfo`), and GDCM, which
/// writes and reads Encrypted Attributes, uses it too; an EC certificate would need key
/// agreement, which E.1.1 does not name and other readers would not expect.
#[derive(Clone, Debug)]
pub struct Recipient {
    id: IssuerAndSerialNumber,
    key: PublicKey,
    subject: String,
    not_after: String,
    not_after_unix: u64,
    pem: String,
}

impl Recipient {
    /// An X.509 certificate in PEM (the first of a chain) or DER, with an RSA public key of at
    /// least 2048 bits. Anything else is `settings.invalid_recipient`.
    pub fn parse(cert: &[u8]) -> Result<Recipient> {
        let cert = parse_certificate(cert).ok_or_else(|| invalid("not an X.509 certificate"))?;
        let tbs = cert.tbs_certificate();
        let spki = tbs.subject_public_key_info();
        if spki.algorithm.oid != RSA_ENCRYPTION {
            return Err(invalid(
                "the certificate's key is not RSA (E.1.1 uses RSA key transport)",
            ));
        }
        let key = PublicKey::try_from(spki.owned_to_ref())
            .map_err(|_| invalid("the certificate's RSA key cannot be read"))?;
        let bits = key.n().bit_width_vartime() as usize;
        if bits < MIN_RSA_BITS {
            return Err(invalid(format!(
                "the certificate's RSA key has {bits} bits; at least {MIN_RSA_BITS} are needed"
            )));
        }
        let not_after = tbs.validity().not_after;
        let der = cert
            .to_der()
            .map_err(|_| invalid("the certificate cannot be encoded"))?;
        Ok(Recipient {
            id: IssuerAndSerialNumber {
                issuer: tbs.issuer().clone(),
                serial_number: tbs.serial_number().clone(),
            },
            key,
            subject: tbs.subject().to_string(),
            not_after: not_after.to_date_time().to_string(),
            not_after_unix: not_after.to_unix_duration().as_secs(),
            pem: der_to_pem(&der),
        })
    }

    /// The certificate's subject as an RFC 4514 string, e.g. `CN=Archive,O=Hospital`.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The end of the certificate's validity, RFC 3339 in UTC (`2030-01-31T23:59:59Z`). Shown,
    /// not enforced: an expired key still opens what was sealed for it.
    pub fn not_after(&self) -> &str {
        &self.not_after
    }

    /// [`not_after`](Self::not_after) in seconds since the Unix epoch.
    pub fn not_after_unix(&self) -> u64 {
        self.not_after_unix
    }

    /// The certificate alone as PEM, for keeping: never the text around it in what was given
    /// (a PEM file may hold a private key too) nor the rest of a chain.
    pub fn pem(&self) -> &str {
        &self.pem
    }
}

/// DER as PEM text (`CERTIFICATE`): settings hold certificates as text, whatever form they
/// came in. Bytes that are no certificate are refused when the settings are compiled.
pub(crate) fn der_to_pem(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).unwrap_or_default()
}

fn invalid(message: impl Into<String>) -> Error {
    Error::settings("settings.invalid_recipient", message)
}

/// PEM (from its first `-----BEGIN`, so text before it and a chain after it are fine) or DER.
fn parse_certificate(bytes: &[u8]) -> Option<Certificate> {
    match find(bytes, b"-----BEGIN") {
        Some(start) => Certificate::load_pem_chain(&bytes[start..])
            .ok()?
            .into_iter()
            .next(),
        None => Certificate::from_der(bytes).ok(),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Encrypts `content` for every recipient: DER of a ContentInfo holding an EnvelopedData with
/// one KeyTransRecipientInfo per recipient (issuerAndSerialNumber, `rsaEncryption`) and the
/// content as id-data under AES-256-CBC with a fresh random key and IV, as E.1.1 asks.
pub fn seal(content: &[u8], recipients: &[Recipient]) -> Result<Vec<u8>> {
    to_der(enveloped(content, recipients)?)
}

/// What failed while sealing: nothing an input can cause.
fn write_error(e: &dyn std::fmt::Display) -> Error {
    Error::Write {
        message: format!("encrypted attributes: {e}"),
    }
}

/// [`seal`]'s first step: `content` encrypted for the recipients.
pub(crate) fn enveloped(content: &[u8], recipients: &[Recipient]) -> Result<EnvelopedData> {
    if recipients.is_empty() {
        // RecipientInfos is SET SIZE (1..MAX): an envelope nobody can open is a mistake.
        return Err(invalid("at least one recipient certificate is needed"));
    }
    let mut rng = PlatformRng::default();
    let mut builder =
        EnvelopedDataBuilder::new(None, content, ContentEncryptionAlgorithm::Aes256Cbc, None)
            .map_err(|e| write_error(&e))?;
    for r in recipients {
        let rid = RecipientIdentifier::IssuerAndSerialNumber(r.id.clone());
        let ktri = KeyTransRecipientInfoBuilder::new(rid, KeyEncryptionInfo::Rsa(r.key.clone()))
            .map_err(|e| write_error(&e))?;
        builder
            .add_recipient_info(ktri)
            .map_err(|e| write_error(&e))?;
    }
    let enveloped = builder.build_with_rng(&mut rng);
    // Checked before the result: bytes made while the platform's source failed are never used.
    rng.check()?;
    enveloped.map_err(|e| write_error(&e))
}

/// [`seal`]'s second step: the EnvelopedData as a DER ContentInfo. It is consumed as soon as
/// it is encoded: with enclosed pixel data the ciphertext is large.
pub(crate) fn to_der(enveloped: EnvelopedData) -> Result<Vec<u8>> {
    let content = Any::encode_from(&enveloped).map_err(|e| write_error(&e))?;
    drop(enveloped);
    ContentInfo {
        content_type: ID_ENVELOPED_DATA,
        content,
    }
    .to_der()
    .map_err(|e| write_error(&e))
}

/// Decrypts an envelope (DER, as a ContentInfo or a bare EnvelopedData) with an RSA private key
/// (PEM: PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`; or either in DER). Reads what E.1.1
/// lets others write: AES-128/192/256-CBC or DES-EDE3-CBC content, recipients named by issuer
/// and serial number or by subject key identifier.
///
/// With `certificate` (the key's, PEM or DER), only the recipient infos naming it (by issuer
/// and serial number, or by its subject key identifier) are tried. Without it, each RSA
/// recipient info whose wrapped key is as long as the key's modulus is tried, as OpenSSL's
/// `cms -decrypt` without `-recip` does: issuerAndSerialNumber cannot be matched from a key
/// alone, and a key holder may not have the certificate at hand. The price: rsa's implicit
/// rejection turns another recipient's wrapped key into noise, not an error, and about once in
/// 60,000 that noise has a key's length and unpads the content. If two recipient infos then
/// open to different contents the answer is an error; but a key that is no recipient at all
/// may get garbage. The certificate rules that out.
///
/// EnvelopedData has no MAC (E.1.1 names no authenticated variant): a change to the ciphertext
/// that leaves the padding valid opens to altered content. What this returns is a data set
/// that the caller parses, and a failure to parse it must be the same error.
///
/// Every failure, whatever it was (a wrong or unreadable key, no recipient info for it,
/// tampered or truncated bytes, bad padding, malformed CMS), is the same `reidentify.failed`
/// with the same message, so that the answer cannot serve as a padding oracle.
pub fn open(der: &[u8], private_key: &[u8], certificate: Option<&[u8]>) -> Result<Vec<u8>> {
    let mut rng = PlatformRng::default();
    let opened = try_open(der, private_key, certificate, &mut rng);
    rng.check()?;
    opened.ok_or(Error::Reidentify)
}

fn try_open(
    der: &[u8],
    private_key: &[u8],
    certificate: Option<&[u8]>,
    rng: &mut PlatformRng,
) -> Option<Vec<u8>> {
    let enveloped = parse_enveloped(der)?;
    let key = parse_private_key(private_key)?;
    let wanted = match certificate {
        Some(c) => Some(Names::of(&parse_certificate(c)?)),
        None => None,
    };
    let info = &enveloped.encrypted_content;
    let cipher = ContentCipher::from_oid(&info.content_enc_alg.oid)?;
    let iv = info
        .content_enc_alg
        .parameters
        .as_ref()?
        .decode_as::<&OctetStringRef>()
        .ok()?;
    let ciphertext = info.encrypted_content.as_ref()?.as_bytes();
    let modulus_len = key.size();

    let mut opened: Option<Vec<u8>> = None;
    for ri in enveloped.recip_infos.0.iter() {
        let RecipientInfo::Ktri(ktri) = ri else {
            continue; // key agreement, KEK and password recipients are not ours to open
        };
        if ktri.key_enc_alg.oid != RSA_ENCRYPTION
            || ktri.enc_key.as_bytes().len() != modulus_len
            || wanted.as_ref().is_some_and(|w| !w.names(&ktri.rid))
        {
            continue;
        }
        // Implicit rejection: a wrong key or bad padding gives a pseudorandom key, not an error.
        let Ok(cek) = key.decrypt_blinded(rng, Pkcs1v15Encrypt, ktri.enc_key.as_bytes()) else {
            continue;
        };
        // The content is decrypted whether or not the unwrapped key had the right length, so
        // that both take the same path; a wrong length fails at the end all the same.
        let right_len = cek.len() == cipher.key_len();
        let zeros = [0u8; 32];
        let cek = if right_len {
            &cek[..]
        } else {
            &zeros[..cipher.key_len()]
        };
        let plain = cipher.decrypt(cek, iv.as_bytes(), ciphertext);
        if let (true, Some(plain)) = (right_len, plain) {
            match &opened {
                Some(earlier) if *earlier != plain => return None, // ambiguous: refuse
                _ => opened = Some(plain),
            }
        }
    }
    opened
}

/// A ContentInfo of type id-envelopedData, or a bare EnvelopedData.
fn parse_enveloped(der: &[u8]) -> Option<EnvelopedData> {
    match ContentInfo::from_der(der) {
        Ok(ci) if ci.content_type == ID_ENVELOPED_DATA => ci.content.decode_as().ok(),
        Ok(_) => None,
        Err(_) => EnvelopedData::from_der(der).ok(),
    }
}

fn parse_private_key(bytes: &[u8]) -> Option<PrivateKey> {
    match find(bytes, b"-----BEGIN") {
        Some(start) => {
            let pem = std::str::from_utf8(&bytes[start..]).ok()?;
            let label = der::pem::decode_label(pem.as_bytes()).ok()?;
            match label {
                "PRIVATE KEY" => PrivateKey::from_pkcs8_pem(pem).ok(),
                "RSA PRIVATE KEY" => PrivateKey::from_pkcs1_pem(pem).ok(),
                _ => None,
            }
        }
        None => PrivateKey::from_pkcs8_der(bytes)
            .or_else(|_| PrivateKey::from_pkcs1_der(bytes))
            .ok(),
    }
}

/// How a certificate can be named by a recipient info.
struct Names {
    id: IssuerAndSerialNumber,
    ski: Option<SubjectKeyIdentifier>,
}

impl Names {
    fn of(cert: &Certificate) -> Names {
        let tbs = cert.tbs_certificate();
        Names {
            id: IssuerAndSerialNumber {
                issuer: tbs.issuer().clone(),
                serial_number: tbs.serial_number().clone(),
            },
            ski: tbs
                .get_extension::<SubjectKeyIdentifier>()
                .ok()
                .flatten()
                .map(|(_, ski)| ski),
        }
    }

    fn names(&self, rid: &RecipientIdentifier) -> bool {
        match rid {
            RecipientIdentifier::IssuerAndSerialNumber(id) => *id == self.id,
            RecipientIdentifier::SubjectKeyIdentifier(ski) => self.ski.as_ref() == Some(ski),
        }
    }
}

/// The content encryptions E.1.1 allows a writer to choose.
#[derive(Clone, Copy)]
enum ContentCipher {
    Aes128,
    Aes192,
    Aes256,
    TripleDes,
}

impl ContentCipher {
    fn from_oid(oid: &der::oid::ObjectIdentifier) -> Option<ContentCipher> {
        Some(match *oid {
            ID_AES_128_CBC => ContentCipher::Aes128,
            ID_AES_192_CBC => ContentCipher::Aes192,
            ID_AES_256_CBC => ContentCipher::Aes256,
            DES_EDE_3_CBC => ContentCipher::TripleDes,
            _ => return None,
        })
    }

    fn key_len(self) -> usize {
        match self {
            ContentCipher::Aes128 => 16,
            ContentCipher::Aes192 | ContentCipher::TripleDes => 24,
            ContentCipher::Aes256 => 32,
        }
    }

    /// CBC decryption and PKCS#7 unpadding; `None` for a wrong IV length or bad padding.
    fn decrypt(self, key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
        fn run<C: KeyIvInit + BlockModeDecrypt>(k: &[u8], iv: &[u8], ct: &[u8]) -> Option<Vec<u8>> {
            C::new_from_slices(k, iv)
                .ok()?
                .decrypt_padded_vec::<Pkcs7>(ct)
                .ok()
        }
        match self {
            ContentCipher::Aes128 => run::<cbc::Decryptor<Aes128>>(key, iv, ciphertext),
            ContentCipher::Aes192 => run::<cbc::Decryptor<Aes192>>(key, iv, ciphertext),
            ContentCipher::Aes256 => run::<cbc::Decryptor<Aes256>>(key, iv, ciphertext),
            ContentCipher::TripleDes => run::<cbc::Decryptor<des::TdesEde3>>(key, iv, ciphertext),
        }
    }
}

/// A new RSA private key of `bits` bits, PKCS#8 DER: for the fuzz properties, which must open
/// envelopes with a key no file in the repository holds.
pub(crate) fn generate_key(bits: usize) -> Result<Vec<u8>> {
    use pkcs8::EncodePrivateKey;
    let mut rng = PlatformRng::default();
    let key = PrivateKey::new(&mut rng, bits).map_err(|e| Error::Write {
        message: format!("an RSA key: {e}"),
    })?;
    rng.check()?;
    let der = key.to_pkcs8_der().map_err(|e| Error::Write {
        message: format!("an RSA key: {e}"),
    })?;
    Ok(der.as_bytes().to_vec())
}

/// The platform's CSPRNG (`getrandom`, `crypto.getRandomValues` in a browser) as the infallible
/// generator `cms` and `rsa` take. Their traits cannot report a failure, so one is recorded,
/// the bytes are filled with a non-zero pattern (so that PKCS#1 padding, which redraws zeros,
/// still ends), and [`check`](Self::check) turns it into `random.unavailable` before any
/// result made with them is used.
#[derive(Default)]
struct PlatformRng {
    failed: Option<getrandom::Error>,
}

impl PlatformRng {
    fn check(&self) -> Result<()> {
        match self.failed {
            Some(e) => Err(Error::Random {
                message: e.to_string(),
            }),
            None => Ok(()),
        }
    }
}

impl TryRng for PlatformRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        if let Err(e) = getrandom::fill(dst) {
            self.failed.get_or_insert(e);
            dst.fill(0xa5);
        }
        Ok(())
    }
}

impl TryCryptoRng for PlatformRng {}
