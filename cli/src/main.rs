//! `dicom-sanitize`: files and folders in, a mirrored folder of de-identified files out, one JSON
//! report per file. All de-identification is the core library's; this binary only does I/O.

use std::convert::Infallible;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod layout;

use dicom_sanitizer_files::{self as files, CHUNK};
use layout::{Layout, Plan, Role, Written};

use clap::{Parser, Subcommand, ValueEnum};
use dicom_sanitizer::{
    BurnedIn, DigestAlgorithm, Error, Finished, Limits, PatientId, ProfileOption, Receipt, Region,
    RegionRule, RuleAction, Sanitizer, Settings, UserRule,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

/// Exit codes, stable for scripts.
mod exit {
    /// Every input was sanitized.
    pub const OK: u8 = 0;
    /// At least one input was refused; the others were written.
    pub const SOME_REFUSED: u8 = 1;
    /// The command line could not be parsed (clap's own code).
    pub const _USAGE: u8 = 2;
    /// The settings (key, options, rules) are invalid; nothing was read.
    pub const SETTINGS: u8 = 3;
    /// An input could not be listed or an output could not be written.
    pub const IO: u8 = 4;
}

const KEY_ENV: &str = "DICOM_SANITIZER_KEY";
/// The code of an input that is not DICOM: skipped, not refused.
const NOT_DICOM: &str = "read.not_dicom";

#[derive(Parser)]
#[command(
    name = "dicom-sanitize",
    version,
    about = "De-identify DICOM files (PS3.15 Annex E, Table E.1-1 2025b)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sanitize files and folders (recursively) into an output folder that mirrors them.
    Sanitize(Box<SanitizeArgs>),
    /// Make an Ed25519 signing key for receipts: writes the secret (hex) to a new file and
    /// prints the public key (hex) to give to verifiers.
    Keygen {
        /// File to create for the secret key; an existing file is never overwritten.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a sanitized file against its signed receipt. Prints the verification as JSON;
    /// exit 0 when the file matches, 1 when it does not.
    Verify {
        /// The sanitized DICOM file.
        file: PathBuf,
        /// The receipt: a receipt JSON, or a report JSON (or line) holding one under `receipt`.
        #[arg(long)]
        receipt: PathBuf,
        /// The signer's public key (64 hex digits).
        #[arg(long)]
        public_key: String,
        /// Also check that this is the original the report was made from (its header, and
        /// pixels equal to the output's unless they were blanked).
        #[arg(long)]
        original: Option<PathBuf>,
    },
    /// Restore the original values of files sanitized with `--recipient` (PS3.15 E.1.2), with
    /// that recipient's private key. The sanitized pixels stay, unless their original was
    /// enclosed (`--enclose-pixels`). Prints a JSON line per file.
    Reidentify {
        /// Files or folders (recursively) to re-identify.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output folder; the input tree is mirrored below it.
        #[arg(short, long)]
        out: PathBuf,
        /// The recipient's RSA private key (PEM or DER, PKCS#8 or PKCS#1, unencrypted).
        #[arg(long)]
        key: PathBuf,
        /// The recipient's certificate, to pick its recipient info among several.
        #[arg(long)]
        certificate: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct SanitizeArgs {
    /// Files or folders to sanitize.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output folder; the input tree is mirrored below it.
    #[arg(short, long)]
    out: PathBuf,
    /// File holding the pseudonym key (raw bytes, a trailing newline is ignored).
    #[arg(long, conflicts_with = "key_env")]
    key_file: Option<PathBuf>,
    /// Read the key from this environment variable.
    #[arg(long, default_value = KEY_ENV)]
    key_env: String,
    /// X.509 certificate (PEM or DER, RSA) of someone who may re-identify (repeatable): the
    /// output carries the originals of what changed, enveloped for them (PS3.15 E.1.1).
    #[arg(long = "recipient")]
    recipients: Vec<PathBuf>,
    /// With --recipient: when blanking changes the pixels, enclose the original Pixel Data
    /// too, so that re-identifying restores it (held in memory: at most 64 MiB of it).
    #[arg(long, requires = "recipients")]
    enclose_pixels: bool,
    /// Profile options to apply (repeatable).
    #[arg(long = "option", value_enum)]
    options: Vec<OptionArg>,
    /// Patient ID policy: `keyed`, `profile` (Table E.1-1's action), or `fixed:VALUE`.
    #[arg(long, default_value = "keyed", value_parser = parse_patient_id)]
    patient_id: PatientId,
    /// User rule `SELECTOR=ACTION` with ACTION keep|remove|empty|hash|replace:VALUE (repeatable).
    #[arg(long = "rule", value_parser = parse_rule)]
    rules: Vec<UserRule>,
    /// Write one `<name>.json` report per file below this folder instead of JSON lines on stdout.
    #[arg(long)]
    report_dir: Option<PathBuf>,
    /// Largest input file accepted, in MiB. Files are streamed: memory is bounded by the header
    /// (32 MiB at most), not by this.
    #[arg(long, default_value_t = 65536)]
    max_input_mib: u64,
    /// Refuse files whose kept free text holds date-, phone- or ID-like values (otherwise they
    /// are findings in the report).
    #[arg(long)]
    strict: bool,
    /// Pass images with burned-in text (or unknown, on high-risk kinds) with a finding instead
    /// of refusing them.
    #[arg(long)]
    allow_burned_in: bool,
    /// Read files that are a bare data set, without the Part 10 header (preamble, `DICM`, file
    /// meta group), when their encoding can be detected; the output gets a meta group.
    #[arg(long)]
    accept_raw: bool,
    /// Blank this rectangle `X,Y,WIDTH,HEIGHT` in every frame (repeatable).
    #[arg(long = "blank-region", value_parser = parse_region)]
    blank_regions: Vec<Region>,
    /// JSON file with a list of region rules: `[{"modality", "manufacturer", "model", "rows",
    /// "columns", "sopClass", "photometric", "regions": [{"x", "y", "width", "height"}],
    /// "outsideUltrasoundRegions", "coversAllText"}]`.
    #[arg(long)]
    region_rules: Option<PathBuf>,
    /// File holding an Ed25519 signing key (hex, from `keygen`): every report then carries a
    /// signed receipt.
    #[arg(long)]
    signing_key_file: Option<PathBuf>,
    /// Hash of the report's and receipt's digests: blake3 (fast, `b3sum` checks it) or sha256.
    #[arg(long, value_enum, default_value = "blake3")]
    digest: DigestArg,
    /// Files sanitized at once (default: one per CPU). Reports still come in input order.
    #[arg(short, long)]
    jobs: Option<std::num::NonZeroUsize>,
    /// Output names, which can carry PHI as values do: `mirror` the input tree, every name
    /// that holds an identifying value of an input (or a date or UID) replaced by its keyed
    /// pseudonym; `numbered` (000001.dcm, …); `uids` (STUDY/SERIES/INSTANCE.dcm,
    /// pseudonymised). No output line or report names an input; `--mapping` does. Media sets
    /// (folders with a DICOMDIR) keep together, under PS3.10 names when renamed.
    #[arg(long, value_enum, default_value = "mirror")]
    layout: Layout,
    /// Write the input-to-output mapping as JSON lines to this file (keep it apart from the
    /// outputs: it names the inputs).
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum DigestArg {
    Blake3,
    Sha256,
}

#[derive(Clone, Copy, ValueEnum)]
enum OptionArg {
    RetainSafePrivate,
    RetainUids,
    RetainDeviceIdentity,
    RetainInstitutionIdentity,
    RetainPatientCharacteristics,
    RetainLongitudinalFullDates,
    RetainLongitudinalModifiedDates,
    CleanDescriptors,
    CleanStructuredContent,
    CleanGraphics,
}

impl From<OptionArg> for ProfileOption {
    fn from(o: OptionArg) -> Self {
        ProfileOption::ALL[o as usize]
    }
}

fn parse_patient_id(s: &str) -> Result<PatientId, String> {
    match s {
        "keyed" => Ok(PatientId::Keyed),
        "profile" => Ok(PatientId::Profile),
        _ => s
            .strip_prefix("fixed:")
            .map(|v| PatientId::Fixed(v.to_string()))
            .ok_or_else(|| "expected keyed, profile or fixed:VALUE".to_string()),
    }
}

fn parse_rule(s: &str) -> Result<UserRule, String> {
    let (tag, action) = s.split_once('=').ok_or("expected SELECTOR=ACTION")?;
    let action = match action {
        "keep" => RuleAction::Keep,
        "remove" => RuleAction::Remove,
        "empty" => RuleAction::Empty,
        "hash" => RuleAction::Hash,
        a => {
            let v = a
                .strip_prefix("replace:")
                .ok_or("ACTION is keep, remove, empty, hash or replace:VALUE")?;
            return Ok(UserRule::replace(tag, v));
        }
    };
    Ok(UserRule::new(tag, action))
}

fn parse_region(s: &str) -> Result<Region, String> {
    let n: Vec<u32> = s
        .split(',')
        .map(|p| p.trim().parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("expected X,Y,WIDTH,HEIGHT: {e}"))?;
    match n[..] {
        [x, y, width, height] => Ok(Region {
            x,
            y,
            width,
            height,
        }),
        _ => Err("expected four numbers X,Y,WIDTH,HEIGHT".into()),
    }
}

fn main() -> ExitCode {
    // dicom-rs errors capture a backtrace when RUST_BACKTRACE=1 (snafu reads RUST_LIB_BACKTRACE
    // first), and its parser meets one at the end of every header it reads: with RUST_BACKTRACE=1
    // that was 7% of the header work. This tool never shows them (every error becomes a coded
    // message); panics still honour RUST_BACKTRACE. Set before any thread starts.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    ExitCode::from(match Cli::parse().command {
        Command::Sanitize(args) => run(*args),
        Command::Keygen { out } => keygen(&out),
        Command::Verify {
            file,
            receipt,
            public_key,
            original,
        } => verify(&file, &receipt, &public_key, original.as_deref()),
        Command::Reidentify {
            inputs,
            out,
            key,
            certificate,
        } => reidentify(&inputs, &out, &key, certificate.as_deref()),
    })
}

fn reidentify(inputs: &[PathBuf], out: &Path, key: &Path, certificate: Option<&Path>) -> u8 {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    let secrets = read(key).and_then(|k| Ok((k, certificate.map(read).transpose()?)));
    let (key, certificate) = match secrets {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dicom-sanitize: {e}");
            return exit::SETTINGS;
        }
    };
    let jobs = match list_inputs(inputs) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("dicom-sanitize: {e}");
            return exit::IO;
        }
    };
    let mut code = exit::OK;
    for (n, (input, rel)) in jobs.iter().enumerate() {
        let result = read(input).map_err(Failure::Io).and_then(|bytes| {
            dicom_sanitizer::reidentify(&bytes, &key, certificate.as_deref())
                .map_err(Failure::Sanitize)
        });
        let line = match result.and_then(|bytes| {
            let path = out.join(rel);
            write_atomic(&path, &bytes)
                .map_err(|e| Failure::Io(format!("{}: {e}", path.display())))
                .map(|()| path)
        }) {
            Ok(path) => json!({"n": n + 1, "ok": true, "output": path}),
            Err(Failure::Sanitize(e)) => {
                code = code.max(exit::SOME_REFUSED);
                json!({"n": n + 1, "ok": false, "error": {"code": e.code(), "message": e.to_string()}})
            }
            Err(Failure::Io(e)) => {
                eprintln!("dicom-sanitize: {e}");
                code = exit::IO;
                json!({"n": n + 1, "ok": false, "error": {"code": "io"}})
            }
        };
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }
    code
}

fn keygen(out: &Path) -> u8 {
    let made = dicom_sanitizer::generate_signing_key()
        .and_then(|seed| dicom_sanitizer::public_key(&seed).map(|public| (seed, public)));
    let (seed, public) = match made {
        Ok(k) => k,
        Err(e) => {
            eprintln!("dicom-sanitize: {e}");
            return exit::SETTINGS;
        }
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(out)
        .and_then(|mut f| writeln!(f, "{}", dicom_sanitizer::hex(&seed)));
    if let Err(e) = written {
        eprintln!("dicom-sanitize: {}: {e}", out.display());
        return exit::IO;
    }
    println!("{}", dicom_sanitizer::hex(&public));
    exit::OK
}

fn verify(file: &Path, receipt: &Path, public_key: &str, original: Option<&Path>) -> u8 {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
    let loaded = read(file).and_then(|bytes| {
        let text = read(receipt)?;
        let value: serde_json::Value = serde_json::from_slice(&text)
            .map_err(|e| format!("{}: not JSON: {e}", receipt.display()))?;
        let value = value.get("receipt").cloned().unwrap_or(value);
        let receipt: Receipt = serde_json::from_value(value)
            .map_err(|e| format!("{}: not a receipt: {e}", receipt.display()))?;
        Ok((bytes, receipt))
    });
    let (bytes, receipt) = match loaded {
        Ok(l) => l,
        Err(e) => {
            eprintln!("dicom-sanitize: {e}");
            return exit::IO;
        }
    };
    let Some(key) = dicom_sanitizer::unhex(public_key) else {
        eprintln!("dicom-sanitize: --public-key is not hex");
        return exit::SETTINGS;
    };
    let mut v = dicom_sanitizer::verify(&bytes, &receipt, &key);
    if let Some(path) = original {
        let original = match std::fs::read(path) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("dicom-sanitize: {}: {e}", path.display());
                return exit::IO;
            }
        };
        let o = dicom_sanitizer::verify_original(&original, &bytes, &receipt.report);
        v.valid &= o.valid;
        v.mismatches.extend(o.mismatches);
    }
    println!("{}", serde_json::to_string(&v).unwrap_or_default());
    if v.valid {
        exit::OK
    } else {
        exit::SOME_REFUSED
    }
}

fn load_settings(args: &SanitizeArgs, key: Option<Vec<u8>>) -> Result<Settings, String> {
    let signing_key = match &args.signing_key_file {
        None => None,
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            let seed = dicom_sanitizer::unhex(&text)
                .ok_or_else(|| format!("{}: the signing key is not hex", p.display()))?;
            Some(dicom_sanitizer::Key(seed))
        }
    };
    let region_rules: Vec<RegionRule> = match &args.region_rules {
        None => Vec::new(),
        Some(p) => {
            let text = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
            serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", p.display()))?
        }
    };
    let mut recipients = Settings::new();
    for p in &args.recipients {
        recipients =
            recipients.recipient(&std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?);
    }
    Ok(Settings {
        recipients: recipients.recipients,
        enclose_pixels: args.enclose_pixels,
        options: args.options.iter().map(|&o| o.into()).collect(),
        key: key.map(dicom_sanitizer::Key),
        signing_key,
        patient_id: args.patient_id.clone(),
        rules: args.rules.clone(),
        limits: Limits::default(),
        strict: args.strict,
        accept_raw: args.accept_raw,
        burned_in: if args.allow_burned_in {
            BurnedIn::Allow
        } else {
            BurnedIn::Reject
        },
        blank_regions: args.blank_regions.clone(),
        region_rules,
        digest: match args.digest {
            DigestArg::Blake3 => DigestAlgorithm::Blake3,
            DigestArg::Sha256 => DigestAlgorithm::Sha256,
        },
    })
}

fn run(args: SanitizeArgs) -> u8 {
    let key = match read_key(&args) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("dicom-sanitize: {e}");
            return exit::SETTINGS;
        }
    };
    if key.is_none() {
        eprintln!("dicom-sanitize: no key given (--key-file or ${}): pseudonyms are random for this run and cannot be reproduced", args.key_env);
    }
    let settings = match load_settings(&args, key) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dicom-sanitize: {e}");
            return exit::SETTINGS;
        }
    };
    let sanitizer = match Sanitizer::new(settings) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dicom-sanitize: {e}");
            return exit::SETTINGS;
        }
    };
    let jobs = match list_inputs(&args.inputs) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("dicom-sanitize: {e}");
            return exit::IO;
        }
    };
    let threads = args
        .jobs
        .map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            |n| n.get(),
        )
        .min(jobs.len())
        .max(1);
    let mirrored = match args.layout {
        Layout::Mirror => layout::mirror(&sanitizer, &jobs, threads),
        _ => Vec::new(),
    };
    let mut plan = Plan::new(&jobs, args.layout, mirrored);
    let bar = progress(jobs.len(), args.quiet);
    let mut tally = Tally::default();
    // Output folders up front, once each, rather than once per file.
    let dirs: std::collections::BTreeSet<PathBuf> = (0..jobs.len())
        .filter_map(|i| plan.destination(i))
        .filter_map(|rel| args.out.join(rel).parent().map(Path::to_path_buf))
        .chain([args.out.clone()])
        .collect();
    for dir in dirs {
        if let Err(e) = std::fs::create_dir_all(&dir) {
            eprintln!("dicom-sanitize: {}: {e}", dir.display());
            return exit::IO;
        }
    }
    let max = args.max_input_mib << 20;
    let mut mapping = Vec::new();
    let mut written: Vec<Written> = (0..jobs.len()).map(|_| Written::default()).collect();
    // Every file but the media sets' DICOMDIRs, which come last, once their files are written.
    let files: Vec<usize> = (0..jobs.len())
        .filter(|&i| !matches!(plan.roles[i], Role::Directory(_)))
        .collect();
    let work = |&i: &usize, buffer: &mut Vec<u8>| {
        let tmp = args.out.join(format!(".{i}.partial"));
        let done = process(&sanitizer, &jobs[i].0, &tmp, max, buffer)?;
        Ok((done, tmp))
    };
    in_order(&files, threads, work, |&i, result| {
        let (input, rel) = &jobs[i];
        bar.set_message(rel.display().to_string());
        let result = result.and_then(|(done, tmp)| {
            let named = plan.name(i, &tmp).map_err(Failure::Io);
            let out_rel = named.and_then(|out_rel| place(&tmp, &args.out, out_rel));
            if out_rel.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            let out_rel = out_rel?;
            if let Role::Member { set, .. } = plan.roles[i] {
                let input_in_set = rel.strip_prefix(plan.set_input(set)).unwrap_or(rel);
                let output_in_set = out_rel.strip_prefix(plan.set_root(set)).unwrap_or(&out_rel);
                written[set].add(input_in_set, output_in_set);
            }
            Ok((done, out_rel))
        });
        tally.line(&args, &bar, (i, input, rel), result, &mut mapping);
        bar.inc(1);
    });
    for i in (0..jobs.len()).filter(|&i| matches!(plan.roles[i], Role::Directory(_))) {
        let (input, rel) = &jobs[i];
        let Role::Directory(set) = plan.roles[i] else {
            continue;
        };
        let Some(out_rel) = plan.destination(i) else {
            continue;
        };
        let result = std::fs::read(input)
            .map_err(|e| Failure::Io(format!("{}: {e}", input.display())))
            .and_then(|bytes| {
                // Mirrored names that were not pseudonymised stay as the record spells them
                // (upper case on media, whatever case a copy of the CD has on disk).
                let mirror = args.layout == Layout::Mirror;
                let mut rename = |id: &[String]| {
                    let new = written[set].rename(id)?;
                    Some(match mirror {
                        true => id
                            .iter()
                            .zip(new)
                            .map(|(old, new)| match new.eq_ignore_ascii_case(old) {
                                true => old.clone(),
                                false => new,
                            })
                            .collect(),
                        false => new,
                    })
                };
                sanitizer
                    .sanitize_directory(&bytes, &mut rename)
                    .map_err(Failure::Sanitize)
            })
            .and_then(|done| {
                let path = args.out.join(&out_rel);
                write_atomic(&path, &done.bytes)
                    .map_err(|e| Failure::Io(format!("{}: {e}", path.display())))?;
                Ok((
                    Finished {
                        report: done.report,
                        receipt: done.receipt,
                    },
                    out_rel,
                ))
            });
        tally.line(&args, &bar, (i, input, rel), result, &mut mapping);
        bar.inc(1);
    }
    bar.finish_and_clear();
    if let Some(path) = &args.mapping {
        let text: String = mapping.iter().map(|l| format!("{l}\n")).collect();
        if let Err(e) = write_atomic(path, text.as_bytes()) {
            eprintln!("dicom-sanitize: {}: {e}", path.display());
            tally.io_failures += 1;
        }
    }
    tally.finish(jobs.len())
}

/// Moves a finished temporary output to its place below `out`; a name already taken (the same
/// instance twice, under `--layout uids`) gets a suffix rather than overwriting it.
fn place(tmp: &Path, out: &Path, rel: PathBuf) -> Result<PathBuf, Failure> {
    let io = |p: &Path, e: std::io::Error| Failure::Io(format!("{}: {e}", p.display()));
    let mut rel = rel;
    let stem = rel.file_stem().map(|s| s.to_string_lossy().to_string());
    let ext = rel.extension().map(|s| s.to_string_lossy().to_string());
    for n in 2.. {
        if !out.join(&rel).exists() || n > 1000 {
            break;
        }
        let name = match (&stem, &ext) {
            (Some(s), Some(e)) => format!("{s}_{n}.{e}"),
            (Some(s), None) => format!("{s}_{n}"),
            _ => break,
        };
        rel.set_file_name(name);
    }
    let path = out.join(&rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    std::fs::rename(tmp, &path).map_err(|e| {
        let _ = std::fs::remove_file(tmp);
        io(&path, e)
    })?;
    Ok(rel)
}

/// What happened to the inputs, and the line each gets.
#[derive(Default)]
struct Tally {
    refused: Vec<(PathBuf, &'static str)>,
    skipped: usize,
    io_failures: usize,
}

impl Tally {
    fn line(
        &mut self,
        args: &SanitizeArgs,
        bar: &ProgressBar,
        (i, input, rel): (usize, &Path, &Path),
        result: Result<(Finished, PathBuf), Failure>,
        mapping: &mut Vec<serde_json::Value>,
    ) {
        // Lines and reports never name their inputs, whose names may carry PHI: `n` (the
        // input's place in the sorted run) is what the `--mapping` file, which does, joins on.
        let n = i + 1;
        let line = match result {
            Ok((done, out_rel)) => {
                let output = args.out.join(&out_rel);
                let mut line = json!({"n": n, "output": output, "ok": true,
                    "status": "sanitized", "report": done.report});
                if args.mapping.is_some() {
                    mapping.push(json!({"n": n, "input": input, "output": output,
                        "status": "sanitized"}));
                }
                if let Some(r) = done.receipt {
                    line["receipt"] = json!(r);
                }
                if let Some(dir) = &args.report_dir {
                    let path = dir.join(&out_rel).with_extension("json");
                    let text = serde_json::to_vec_pretty(&line).unwrap_or_default();
                    if let Err(e) = write_atomic(&path, &text) {
                        bar.suspend(|| eprintln!("dicom-sanitize: {}: {e}", path.display()));
                        self.io_failures += 1;
                    }
                }
                line
            }
            Err(Failure::Sanitize(e)) => {
                // A file that is not DICOM at all (a README, autorun.inf, a viewer on a patient
                // CD) is skipped: nothing is written for it, and it is no refusal.
                let status = if e.code() == NOT_DICOM {
                    self.skipped += 1;
                    "skipped"
                } else {
                    self.refused.push((rel.to_path_buf(), e.code()));
                    "refused"
                };
                json!({"n": n, "ok": false, "status": status,
                    "error": {"code": e.code(), "message": e.to_string()}})
            }
            Err(Failure::Io(e)) => {
                self.io_failures += 1;
                // Its message names the path it failed on: on the console only.
                bar.suspend(|| eprintln!("dicom-sanitize: {e}"));
                json!({"n": n, "ok": false, "status": "failed", "error": {"code": "io",
                    "message": "a file could not be read or written (the console says which)"}})
            }
        };
        if args.mapping.is_some() && line["status"] != "sanitized" {
            mapping.push(json!({"n": n, "input": input, "status": line["status"],
                "error": line["error"]["code"]}));
        }
        if args.report_dir.is_none() {
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        }
    }

    fn finish(self, total: usize) -> u8 {
        for (path, code) in &self.refused {
            eprintln!("refused {code}: {}", path.display());
        }
        eprintln!(
            "dicom-sanitize: {} sanitized, {} skipped (not DICOM), {} refused, of {total}",
            total - self.refused.len() - self.skipped - self.io_failures,
            self.skipped,
            self.refused.len(),
        );
        if self.io_failures > 0 {
            exit::IO
        } else if !self.refused.is_empty() {
            exit::SOME_REFUSED
        } else {
            exit::OK
        }
    }
}

pub(crate) enum Failure {
    Sanitize(Error),
    Io(String),
}

/// Runs `work` on every item with `threads` threads (each with its own read buffer) and hands
/// the results to `each` on this thread in the items' order, whatever order they finish in.
pub(crate) fn in_order<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T, &mut Vec<u8>) -> R + Sync,
    mut each: impl FnMut(&T, R),
) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (tx, next, work) = (tx.clone(), &next, &work);
            scope.spawn(move || {
                let mut buffer = vec![0u8; CHUNK];
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    if tx.send((i, work(item, &mut buffer))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut due = 0;
        for (i, result) in rx {
            pending.insert(i, result);
            while let Some(result) = pending.remove(&due) {
                each(&items[due], result);
                due += 1;
            }
        }
    });
}

/// Sanitizes `input` into the temporary file `tmp` (removed again on failure): streamed, so
/// memory is bounded by the header; the caller moves it into place, so no partial output is
/// ever visible.
fn process(
    s: &Sanitizer,
    input: &Path,
    tmp: &Path,
    max: u64,
    buffer: &mut Vec<u8>,
) -> Result<Finished, Failure> {
    let io = |e: std::io::Error| Failure::Io(format!("{}: {e}", input.display()));
    let file = File::open(input).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > max {
        // Refuse before reading a file the limit would refuse anyway.
        return Err(Failure::Sanitize(Error::Limit {
            code: "limit.input_size",
            offset: None,
            message: format!("the input has {size} bytes; the limit is {max}"),
        }));
    }
    let result = File::create(tmp)
        .map_err(files::Failure::<Infallible>::Write)
        .and_then(|out| files::stream(s, file, out, size, buffer, &mut |_| Ok(())));
    result.map_err(|failure| {
        let _ = std::fs::remove_file(tmp);
        match failure {
            files::Failure::Sanitize(e) => Failure::Sanitize(e),
            files::Failure::Read(e) => Failure::Io(format!("{}: {e}", input.display())),
            files::Failure::Write(e) => Failure::Io(format!("{}: {e}", tmp.display())),
            files::Failure::Stopped(never) => match never {},
        }
    })
}

/// Writes through a temporary file and a rename, so no partial output is ever visible.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn read_key(args: &SanitizeArgs) -> Result<Option<Vec<u8>>, String> {
    if let Some(p) = &args.key_file {
        let mut k = std::fs::read(p).map_err(|e| format!("key file {}: {e}", p.display()))?;
        while k.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            k.pop();
        }
        return Ok(Some(k));
    }
    Ok(std::env::var_os(&args.key_env).map(|v| v.into_encoded_bytes()))
}

/// Every regular file under the inputs, sorted, with its path relative to its input root.
fn list_inputs(inputs: &[PathBuf]) -> Result<Vec<(PathBuf, PathBuf)>, String> {
    let mut jobs = Vec::new();
    for root in inputs {
        let meta = std::fs::metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
        if meta.is_file() {
            let name = root
                .file_name()
                .ok_or_else(|| format!("{}: not a file name", root.display()))?;
            jobs.push((root.clone(), PathBuf::from(name)));
            continue;
        }
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            let mut entries: Vec<_> = std::fs::read_dir(&dir)
                .map_err(|e| format!("{}: {e}", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            for p in entries {
                if p.is_dir() {
                    stack.push(p);
                } else if p.is_file() {
                    let rel = p.strip_prefix(root).unwrap_or(&p).to_path_buf();
                    jobs.push((p, rel));
                }
            }
        }
    }
    jobs.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(jobs)
}

fn progress(n: usize, quiet: bool) -> ProgressBar {
    if quiet || n < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(n as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
