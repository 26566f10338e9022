//! A file's header de-identified: the settings compiled once, then applied to everything
//! before Pixel Data and to what follows it.

use dicom_core::header::Header as _;
use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::file::ReadPreamble;
use dicom_object::mem::InMemElement;
use dicom_object::{InMemDicomObject, OpenFileOptions};

use crate::action::Action;
use crate::clean::Identity;
use crate::dataset::{dataset_uid, read_dataset, valid_uid, write_dataset};
use crate::deid::Deidentifier;
use crate::dicomdir;
use crate::digest::DigestAlgorithm;
use crate::encrypted;
use crate::envelope::{self, Recipient};
use crate::error::{Error, Result};
use crate::file_meta::{FileMeta, PRODUCT, VERSION};
use crate::findings::Finding;
use crate::gate::Gate;
use crate::integrity::preamble::Preamble;
use crate::integrity::sequences;
use crate::integrity::structure::{scan, scan_elements, show, transfer_syntax, Layout};
use crate::limits::Limits;
use pixel_codecs::segments::Segments;

use crate::pixels::{self, Blanking, Compression, PixelData};
use crate::profile::{ProfileOption, BASIC_PROFILE_CODE, CLEAN_PIXEL_DATA_CODE, EDITION};
use crate::pseudonym::Pseudonyms;
use crate::receipt::{self};
use crate::regions::{self, BurnedIn, Region, RegionRule};
use crate::rules::{Dates, RuleSet};
use crate::settings::Settings;
use crate::values::trim_padding;
use ed25519_dalek::SigningKey;

pub(crate) struct Compiled {
    pub rules: RuleSet,
    pub pseudonyms: Pseudonyms,
    pub limits: Limits,
    strict: bool,
    burned_in: BurnedIn,
    blank_regions: Vec<Region>,
    region_rules: Vec<RegionRule>,
    pub signing_key: Option<SigningKey>,
    pub digest: DigestAlgorithm,
    pub accept_raw: bool,
    /// Who may re-identify: the originals of what changed are enveloped for them.
    recipients: Vec<Recipient>,
    enclose_pixels: bool,
}

/// What the header (everything before Pixel Data) became, and what the rest of the stream needs.
pub(crate) struct Header {
    /// The de-identified Part 10 header: preamble, meta group, data set without Pixel Data.
    pub bytes: Vec<u8>,
    /// The input's transfer syntax (the elements after Pixel Data are read in it).
    pub transfer_syntax: String,
    /// The output's: the input's unless blanking decoded the frames to another.
    pub output_syntax: String,
    pub preamble: Preamble,
    pub counts: std::collections::BTreeMap<String, u64>,
    pub findings: Vec<Finding>,
    pub blanker: Option<Blanking>,
    /// For compressed frames passing unblanked: empties the text segments of their codestreams.
    pub segments: Option<Segments>,
    pub identity: Identity,
    pub gate: Gate,
    pub date_offset: i64,
    /// The de-identified data set before it is written, while the original pixel data to
    /// enclose is gathered ([`Compiled::write_header`] then makes `bytes`).
    pub draft: Option<Box<Draft>>,
}

/// A de-identified header not yet written: what [`Compiled::write_header`] needs.
pub(crate) struct Draft {
    out: InMemDicomObject,
    /// The input's data set as read, when there are recipients.
    original: Option<InMemDicomObject>,
    sop_class: String,
    /// The input meta's SOP Instance UID, for a data set without one.
    meta_instance: Option<String>,
}

impl Compiled {
    /// Compiles the settings; fails on any invalid option, rule, key or limit.
    pub(crate) fn new(settings: Settings) -> Result<Compiled> {
        let rules = RuleSet::compile(&settings)?;
        regions::validate(&settings.blank_regions, &settings.region_rules)?;
        let signing_key = match &settings.signing_key {
            Some(k) => Some(receipt::signing_key(&k.0)?),
            None => None,
        };
        let pseudonyms = Pseudonyms::new(settings.key.as_ref().map(|k| k.0.as_slice()))?;
        let recipients = settings
            .recipients
            .iter()
            .map(|c| Recipient::parse(c.as_bytes()))
            .collect::<Result<Vec<_>>>()?;
        if settings.enclose_pixels && recipients.is_empty() {
            return Err(Error::settings(
                "settings.invalid_value",
                "enclosePixels encloses the original pixels for recipients; there are none",
            ));
        }
        Ok(Compiled {
            rules,
            pseudonyms,
            limits: settings.limits,
            strict: settings.strict,
            burned_in: settings.burned_in,
            blank_regions: settings.blank_regions,
            region_rules: settings.region_rules,
            signing_key,
            digest: settings.digest,
            accept_raw: settings.accept_raw,
            recipients,
            enclose_pixels: settings.enclose_pixels,
        })
    }
}

impl Compiled {
    /// De-identifies the header: `input` is a Part 10 stream up to (not including) the top-level
    /// Pixel Data element, described by `pixel` when there is one.
    pub(crate) fn header(
        &self,
        input: &[u8],
        layout: &Layout,
        pixel: Option<PixelData>,
    ) -> Result<Header> {
        let mut findings = Vec::new();
        let (preamble, signature) =
            Preamble::inspect((layout.magic_at == 128).then(|| &input[..128]));
        if let Some(code) = preamble.finding() {
            let what = signature.unwrap_or("unrecognised non-zero bytes");
            findings.push(finding(
                code,
                None,
                &format!("the input preamble held: {what}; the output preamble is zeroed"),
            ));
        }
        if let Some((declared, actual)) = layout.meta_group_length_mismatch {
            findings.push(finding(
                "meta.group_length_mismatch",
                Some("(0002,0000)"),
                &format!("File Meta Information Group Length says {declared}, the group has {actual} bytes; rewritten"),
            ));
        }
        findings.extend(layout.findings());
        let ts_uid = layout.transfer_syntax.as_str();

        // dicom-rs reads only the data set, which the pre-scan has walked; the meta group was
        // read by the pre-scan. (Found by fuzzing: given the whole file, dicom-rs trusts a
        // corrupt meta group length, starts the data set at the wrong byte, and allocates
        // gigabytes for lengths it then reads out of the middle of values.)
        let (mut obj, un) = read_dataset(&input[layout.dataset_at..], ts_uid)?;
        findings.extend(un);
        // The input as read, for the Encrypted Attributes: what changed is found by comparing.
        let original = (!self.recipients.is_empty()).then(|| obj.clone());

        // Not every data set is a composite instance: a media set directory, a worklist item or
        // a fragment has no SOP Class or Instance UID of its own; the file meta's stand in.
        let sop_class = dataset_uid(&obj, tags::SOP_CLASS_UID)?;
        let sop_instance = dataset_uid(&obj, tags::SOP_INSTANCE_UID)?;
        for (meta, dataset, tag, what, code) in [
            (
                &layout.media_storage_sop_instance_uid,
                &sop_instance,
                "(0002,0003)",
                "Instance",
                "meta.sop_instance_mismatch",
            ),
            (
                &layout.media_storage_sop_class_uid,
                &sop_class,
                "(0002,0002)",
                "Class",
                "meta.sop_class_mismatch",
            ),
        ] {
            if let (Some(m), Some(d)) = (meta.as_deref(), dataset) {
                if m != d {
                    findings.push(finding(
                        code,
                        Some(tag),
                        &format!("Media Storage SOP {what} UID differs from SOP {what} UID; the output uses the data set's"),
                    ));
                }
            }
        }
        let meta_uid = |uid: &Option<String>, tag: &str| -> Result<Option<String>> {
            match uid.as_deref().filter(|u| !u.is_empty()) {
                Some(u) => valid_uid(u, tag).map(|()| Some(u.to_string())),
                None => Ok(None),
            }
        };
        let sop_class = match sop_class {
            Some(c) => c,
            None => {
                meta_uid(&layout.media_storage_sop_class_uid, "(0002,0002)")?.unwrap_or_default()
            }
        };
        let meta_instance = match sop_instance {
            Some(_) => None,
            None => meta_uid(&layout.media_storage_sop_instance_uid, "(0002,0003)")?,
        };
        if sop_instance.is_none() {
            findings.push(finding(
                "meta.not_composite",
                Some("(0008,0018)"),
                "the data set has no SOP Instance UID (a directory, worklist item or fragment): the output's file meta takes the input meta's, pseudonymised like any UID",
            ));
        }
        findings.extend(sequences::findings(&obj));
        let scrub = pixel
            .as_ref()
            .filter(|p| p.encapsulated)
            .and_then(|p| p.compression)
            .and_then(Compression::segments);
        let planned = pixels::plan(
            &obj,
            pixel,
            self.burned_in,
            &self.blank_regions,
            &self.region_rules,
            &self.limits,
            &mut findings,
        )?;
        let blanker = planned.blanking;
        let output_syntax = match &blanker {
            Some(Blanking::Frames(p)) => p.output_syntax(),
            _ => None,
        };
        // Blanked pixels change; their original is enclosed once the stream has gathered it.
        let enclose = self.enclose_pixels && blanker.is_some();
        if enclose && output_syntax.is_some() {
            // E.1.2 restores attributes, not the file's transfer syntax: the original frames
            // would come back under the syntax they were transcoded to.
            return Err(Error::Deidentify {
                code: "pixel.unsupported",
                path: "(7FE0,0010)".into(),
                message: "blanking writes these frames in another transfer syntax, under which their original cannot be enclosed".into(),
            });
        }
        if let Some(Blanking::Frames(p)) = blanker.as_ref().filter(|_| output_syntax.is_some()) {
            pixels::describe_decoded(&mut obj, p, ts_uid, &mut findings);
        }
        if planned.no_text_left {
            // A rule said its regions cover all the burned-in text, and every one was blanked.
            obj.put(DataElement::new(
                tags::BURNED_IN_ANNOTATION,
                VR::CS,
                PrimitiveValue::from("NO"),
            ));
        }
        if matches!(blanker, Some(Blanking::Frames(_))) {
            // Re-encoded frames change length: an Extended Offset Table would point amiss.
            let removed = [
                tags::EXTENDED_OFFSET_TABLE,
                tags::EXTENDED_OFFSET_TABLE_LENGTHS,
            ]
            .map(|t| obj.remove_element(t));
            if removed.contains(&true) {
                findings.push(finding(
                    "pixel.offset_table_removed",
                    Some("(7FE0,0001)"),
                    "the Extended Offset Table no longer fits the blanked frames; removed",
                ));
            }
        }
        let identity = Identity::collect(&obj);
        let gate = Gate::collect(&obj, &self.rules);
        let date_offset = self.pseudonyms.date_offset_days(&patient_key(&obj));
        let mut deid = Deidentifier::new(&self.rules, &self.pseudonyms, &identity, date_offset);
        let mut out = deid.dataset(obj)?;
        findings.append(&mut deid.findings);
        let counts = std::mem::take(&mut deid.counts);
        self.mark(&mut out, blanker.is_some());
        gate.empty_echoes(&mut out, &self.rules, "", &mut findings);
        gate.check(&out, &self.rules, self.strict, &mut findings)?;
        let draft = Box::new(Draft {
            out,
            original,
            sop_class,
            meta_instance,
        });
        let mut header = Header {
            bytes: Vec::new(),
            transfer_syntax: ts_uid.to_string(),
            output_syntax: output_syntax.unwrap_or(ts_uid).to_string(),
            preamble,
            counts,
            findings,
            segments: scrub.filter(|_| blanker.is_none()),
            blanker,
            identity,
            gate,
            date_offset,
            draft: None,
        };
        if enclose {
            header.draft = Some(draft);
        } else {
            self.write_header(&mut header, *draft, input, None)?;
        }
        Ok(header)
    }

    /// Writes the header's bytes from its draft: the Encrypted Attributes sealed (with the
    /// original Pixel Data element when `pixels` holds it, and its encoded length), the meta
    /// group and the data set, then checked to read back. `input` is the input's header.
    pub(crate) fn write_header(
        &self,
        header: &mut Header,
        draft: Draft,
        input: &[u8],
        pixels: Option<(InMemElement, usize)>,
    ) -> Result<()> {
        let Draft {
            mut out,
            original,
            sop_class,
            meta_instance,
        } = draft;
        let ts = transfer_syntax(&header.transfer_syntax)?;
        // Room for the envelope in the output, which holds enclosed pixel data when there is.
        let mut sealed = 0;
        if let Some(original) = original {
            // After the gate, which has nothing to read in ciphertext.
            let mut modified = encrypted::modified(&original, &out);
            drop(original);
            let with_pixels = pixels.is_some();
            let mut size = 64 << 10;
            if let Some((p, encoded)) = pixels {
                modified.put(p);
                size += encoded;
            }
            let content = encrypted::content(modified, size)?;
            // The plaintext goes once it is encrypted, the EnvelopedData once it is encoded.
            let enveloped = envelope::enveloped(&content, &self.recipients)?;
            drop(content);
            let envelope = envelope::to_der(enveloped)?;
            sealed = envelope.len();
            out.put(encrypted::sequence(envelope));
            header.findings.push(finding(
                "encrypted.attributes_added",
                Some("(0400,0500)"),
                &format!(
                    "the original values of what changed{}, enveloped for {} recipient(s)",
                    if with_pixels {
                        ", Pixel Data included"
                    } else {
                        ""
                    },
                    self.recipients.len()
                ),
            ));
        }

        let new_instance = match (dataset_uid(&out, tags::SOP_INSTANCE_UID)?, meta_instance) {
            (Some(uid), _) => uid,
            (None, Some(uid)) => match self.rules.action(tags::SOP_INSTANCE_UID) {
                Some(Action::Keep) => uid,
                _ => self.pseudonyms.uid(&uid),
            },
            (None, None) => String::new(),
        };
        let directory = out.get(tags::DIRECTORY_RECORD_SEQUENCE).is_some();
        let mut bytes = FileMeta {
            sop_class: &sop_class,
            sop_instance: &new_instance,
            transfer_syntax: &header.output_syntax,
        }
        .to_bytes();
        bytes.reserve(input.len() + sealed + 512);
        write_dataset(out, ts, &mut bytes)?;
        if directory {
            dicomdir::relink(input, &mut bytes, self.accept_raw)?;
        }
        // Fail closed: never hand out bytes that do not read back, structurally and in dicom-rs.
        scan(&bytes, &Limits::STRUCTURE_ONLY).map_err(|e| Error::Write {
            message: format!("the output does not scan: {e}"),
        })?;
        OpenFileOptions::new()
            .read_preamble(ReadPreamble::Always)
            .from_reader(bytes.as_slice())
            .map_err(|e| Error::Write {
                message: format!("the output does not re-parse: {e}"),
            })?;
        header.bytes = bytes;
        Ok(())
    }

    /// De-identifies the elements after Pixel Data (rare: padding, private groups above 7FE0,
    /// signatures) with the header's identity and date offset; returns their encoded output.
    pub(crate) fn trailing(
        &self,
        input: &[u8],
        header: &Header,
        counts: &mut std::collections::BTreeMap<String, u64>,
        findings: &mut Vec<Finding>,
    ) -> Result<Vec<u8>> {
        scan_elements(input, &header.transfer_syntax, &self.limits)?;
        let ts = transfer_syntax(&header.transfer_syntax)?;
        let (input, un) = crate::un::for_parser(input, &header.transfer_syntax)?;
        findings.extend(un);
        let obj =
            InMemDicomObject::read_dataset_with_ts(&input[..], ts).map_err(|e| Error::Read {
                code: "read.invalid",
                offset: None,
                message: format!("after Pixel Data: {e}"),
            })?;
        if let Some(e) = obj.iter().find(|e| e.tag() <= tags::PIXEL_DATA) {
            return Err(Error::Read {
                code: "read.bad_structure",
                offset: None,
                message: format!("{} comes after Pixel Data, out of order", show(e.tag())),
            });
        }
        findings.extend(sequences::findings(&obj));
        let mut deid = Deidentifier::new(
            &self.rules,
            &self.pseudonyms,
            &header.identity,
            header.date_offset,
        );
        let out = deid.dataset(obj)?;
        findings.append(&mut deid.findings);
        for (k, v) in std::mem::take(&mut deid.counts) {
            *counts.entry(k).or_default() += v;
        }
        header
            .gate
            .check(&out, &self.rules, self.strict, findings)?;
        let mut bytes = Vec::with_capacity(input.len());
        out.write_dataset_with_ts(&mut bytes, ts)
            .map_err(|e| Error::Write {
                message: e.to_string(),
            })?;
        Ok(bytes)
    }

    /// Patient Identity Removed, De-identification Method (and Code Sequence), and
    /// Longitudinal Temporal Information Modified.
    fn mark(&self, obj: &mut InMemDicomObject, pixels_cleaned: bool) {
        let put = |obj: &mut InMemDicomObject, tag: Tag, vr: VR, v: PrimitiveValue| {
            obj.put(DataElement::new(tag, vr, v));
        };
        put(obj, tags::PATIENT_IDENTITY_REMOVED, VR::CS, "YES".into());
        put(
            obj,
            tags::DEIDENTIFICATION_METHOD,
            VR::LO,
            PrimitiveValue::Strs(
                [
                    format!("{PRODUCT} {VERSION}"),
                    format!("PS3.15 E.1-1 {EDITION}"),
                ]
                .into_iter()
                .collect(),
            ),
        );
        let codes = std::iter::once(BASIC_PROFILE_CODE)
            .chain(pixels_cleaned.then_some(CLEAN_PIXEL_DATA_CODE))
            .chain(self.rules.options.iter().map(|o| ProfileOption::code(*o)))
            .map(|c| {
                InMemDicomObject::from_element_iter([
                    DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from(c.value)),
                    DataElement::new(
                        tags::CODING_SCHEME_DESIGNATOR,
                        VR::SH,
                        PrimitiveValue::from("DCM"),
                    ),
                    DataElement::new(tags::CODE_MEANING, VR::LO, PrimitiveValue::from(c.meaning)),
                ])
            })
            .collect::<Vec<_>>();
        obj.put(DataElement::new(
            tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
            VR::SQ,
            DataSetSequence::new(codes, Length::UNDEFINED),
        ));
        let temporal = match self.rules.dates {
            Dates::Removed => "REMOVED",
            Dates::Full => "UNMODIFIED",
            Dates::Modified => "MODIFIED",
        };
        put(
            obj,
            tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
            VR::CS,
            temporal.into(),
        );
    }
}

fn finding(code: &str, path: Option<&str>, message: &str) -> Finding {
    Finding {
        code: code.into(),
        path: path.map(str::to_string),
        message: message.into(),
    }
}

/// What one patient's date offset is keyed on: Patient ID and its issuer, or, without an ID,
/// name and birth date.
fn patient_key(obj: &InMemDicomObject) -> String {
    let text = |t: Tag| {
        obj.get(t)
            .and_then(|e| e.value().to_str().ok())
            .map(|s| trim_padding(&s).to_string())
            .unwrap_or_default()
    };
    let id = text(tags::PATIENT_ID);
    if id.is_empty() {
        format!(
            "name:{}|{}",
            text(tags::PATIENT_NAME),
            text(tags::PATIENT_BIRTH_DATE)
        )
    } else {
        format!("id:{id}|{}", text(tags::ISSUER_OF_PATIENT_ID))
    }
}
