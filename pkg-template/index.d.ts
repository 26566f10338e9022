// Types of the dicom-sanitizer package. The error and finding code unions are checked against the
// wasm module's errorCodes() / findingCodes() by the package's tests.

/** An option of PS3.15 Table E.1-1, applied on top of the Basic Profile. */
export type ProfileOption =
  | "retainSafePrivate"
  | "retainUids"
  | "retainDeviceIdentity"
  | "retainInstitutionIdentity"
  | "retainPatientCharacteristics"
  | "retainLongitudinalFullDates"
  | "retainLongitudinalModifiedDates"
  | "cleanDescriptors"
  | "cleanStructuredContent"
  | "cleanGraphics";

/** What Patient ID (0010,0020) becomes. */
export type PatientIdPolicy =
  /** `PAT-` + 20 hex digits derived from the original with the key (the default). */
  | "keyed"
  /** As Table E.1-1 says (Z/D in 2025b: the dummy value). */
  | "profile"
  /** This value in every file. */
  | { fixed: string };

export type RuleAction = "keep" | "remove" | "empty" | "replace" | "hash";

/** Overrides the profile for the attributes `tag` selects. */
export interface UserRule {
  /** A keyword (`PatientName`) or a tag (`(0010,0010)` or `00100010`). */
  tag: string;
  action: RuleAction;
  /** The new value; required for `replace` and only allowed there. */
  value?: string;
}

/** Bounds on what one input may make the sanitizer do; see the README for defaults. */
export interface Limits {
  /** Default 33554432 (32 MiB). */
  maxInputBytes?: number;
  /** Default 16777216 (16 MiB); Pixel Data excepted. */
  maxElementBytes?: number;
  /** Default 32, at most 256. */
  maxDepth?: number;
  /** Default 200000. */
  maxElements?: number;
  /**
   * Default 67108864 (64 MiB): the largest original Pixel Data value `enclosePixels` holds in
   * memory to enclose; larger is `limit.enclosed_pixels`.
   */
  maxEnclosedPixelBytes?: number;
}

export interface SanitizerOptions {
  options?: ProfileOption[];
  /**
   * Pseudonym key, at least 16 bytes (a string counts its UTF-8 bytes). Without it a random key is
   * made per Sanitizer, so pseudonyms cannot be reproduced. The same key gives the same output
   * bytes here, in any other runtime and in the native CLI.
   */
  key?: string | Uint8Array;
  /**
   * Ed25519 signing key (64 hex digits, as `dicom-sanitize keygen` writes it, or 32 bytes). With
   * one, every result carries a signed `receipt`.
   */
  signingKey?: string | Uint8Array;
  patientId?: PatientIdPolicy;
  rules?: UserRule[];
  limits?: Limits;
  /** Refuse (`phi.pattern`) rather than report date-, phone- or ID-like values in kept free text. */
  strict?: boolean;
  /** Images with burned-in text, or high-risk kinds without a Burned In Annotation value. Default "reject". */
  burnedIn?: "reject" | "allow";
  /** Rectangles blanked in every frame, native or compressed (adds 113101 Clean Pixel Data). */
  blankRegions?: Region[];
  /** Rectangles blanked in the images each rule matches. */
  regionRules?: RegionRule[];
  /**
   * Hash of the report's and the receipt's digests. Default "blake3" (`b3sum` checks it; several
   * times faster in wasm); "sha256" where FIPS 180-4 is required.
   */
  digest?: DigestAlgorithm;
  /**
   * Read a data set without a Part 10 header (no preamble, `DICM` or meta group) when its encoding
   * is detected; the output gets a meta group (`meta.added`). Default false: `read.not_dicom`.
   */
  acceptRaw?: boolean;
  /**
   * X.509 certificates (PEM text, RSA keys) of those who may re-identify: the output then carries
   * the original values of what changed, enveloped for them (PS3.15 E.1.1 Encrypted Attributes,
   * readable by GDCM's `gdcmanon -d` and `openssl cms -decrypt`).
   */
  recipients?: string[];
  /**
   * With `recipients`: pixels that blanking changes have their original Pixel Data enclosed too,
   * so that re-identifying restores it. The original is held in memory until the header is
   * written (`limits.maxEnclosedPixelBytes`). Default false.
   */
  enclosePixels?: boolean;
}

export type DigestAlgorithm = "blake3" | "sha256";

/** A rectangle in pixels: `x` is the column and `y` the row of its top-left corner. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Every condition given must hold: modality equal, manufacturer and model containing the text
 * (case-insensitive), rows and columns equal, SOP Class UID equal, Photometric Interpretation
 * equal (case-insensitive). */
export interface RegionRule {
  modality?: string;
  manufacturer?: string;
  model?: string;
  rows?: number;
  columns?: number;
  sopClass?: string;
  photometric?: string;
  regions?: Region[];
  /** Also blank everything outside the data regions of the Sequence of Ultrasound Regions. */
  outsideUltrasoundRegions?: boolean;
  /** The rule's regions cover all burned-in text: when all were blanked, Burned In Annotation becomes NO. */
  coversAllText?: boolean;
}

export type Action =
  | "kept"
  | "removed"
  | "emptied"
  | "dummied"
  | "cleaned"
  | "uidReplaced"
  | "dateShifted"
  | "idPseudonymized"
  | "replaced"
  | "hashed";

export type PreambleKind = "absent" | "zero" | "tiff" | "executable" | "other";

export type FindingCode =
  | "preamble.executable"
  | "preamble.tiff"
  | "preamble.nonzero"
  | "meta.group_length_mismatch"
  | "meta.sop_instance_mismatch"
  | "meta.sop_class_mismatch"
  | "meta.not_composite"
  | "meta.added"
  | "meta.transfer_syntax_added"
  | "meta.inflated"
  | "private.no_creator"
  | "value.un_removed"
  | "value.un_resolved"
  | "value.un_unresolved"
  | "value.uid_leading_zero"
  | "value.vr_mismatch"
  | "value.invalid_removed"
  | "value.date_unparsable"
  | "structure.meta_in_dataset"
  | "integrity.digital_signatures_removed"
  | "integrity.mac_parameters_removed"
  | "integrity.encrypted_attributes_removed"
  | "integrity.original_attributes_removed"
  | "phi.date_like"
  | "phi.phone_like"
  | "phi.id_like"
  | "phi.echo_emptied"
  | "pixel.regions_blanked"
  | "pixel.region_outside"
  | "pixel.regions_not_applicable"
  | "pixel.offset_table_removed"
  | "pixel.transcoded"
  | "pixel.blanked_to_average"
  | "pixel.segments_removed"
  | "pixel.segments_emptied"
  | "pixel.after_eoi_removed"
  | "encrypted.attributes_added"
  | "pixel.burned_in_allowed"
  | "pixel.burned_in_unknown_allowed";

export interface Finding {
  code: FindingCode;
  /** Tag path such as `(0008,1115)/(0008,114A)/(0008,1155)`, where one applies. */
  path?: string;
  message: string;
}

export interface Digest {
  algorithm: DigestAlgorithm;
  /** Lower-case hex of the 32-byte hash. */
  hex: string;
  bytes: number;
}

/** What was done to one file. It names attributes by tag path and never holds an original value. */
export interface Report {
  product: "dicom-sanitizer";
  version: string;
  profile: "basic";
  /** Edition of PS3.15 Table E.1-1 applied, e.g. `2025b`. */
  edition: string;
  options: ProfileOption[];
  transferSyntax: string;
  preamble: PreambleKind;
  /** Data elements per action, counting those inside sequence items. */
  actions: Partial<Record<Action, number>>;
  findings: Finding[];
  /**
   * Every input byte outside its Pixel Data value. The value itself is in the output byte for byte
   * (so `output` covers it) unless regions were blanked; then `inputPixelData` has the original's.
   */
  inputHeader: Digest;
  inputPixelData?: Digest;
  /** The whole output file, as `b3sum` (or `sha256sum`) gives it. */
  output: Digest;
}

export interface Sanitized {
  bytes: Uint8Array;
  report: Report;
  /** Present when the options hold a `signingKey`. */
  receipt?: Receipt;
  status: "sanitized";
}

/** The report bound to the output's bytes by an Ed25519 signature. */
export interface Receipt {
  format: "dicom-sanitizer-receipt/2";
  /** Holds the digest of the whole output. */
  report: Report;
  /** Digest of the output without its Pixel Data value, so `verify` can tell which part changed. */
  header: Digest;
  /** Hex Ed25519 public key of the signer. */
  publicKey: string;
  /** Hex Ed25519 signature over the canonical JSON (sorted keys, no spaces) of the other fields. */
  signature: string;
}

export interface Verification {
  /** True only when the signature holds for the given key and the file matches every digest. */
  valid: boolean;
  mismatches: {
    /** `header`: at least the bytes outside the Pixel Data value changed; `pixelData`: only the pixels. */
    part:
      | "publicKey"
      | "signature"
      | "format"
      | "structure"
      | "header"
      | "pixelData"
      | "file"
      | "originalStructure"
      | "originalHeader"
      | "originalPixelData";
    message: string;
  }[];
}

export type ErrorCode =
  | "settings.key_too_short"
  | "settings.unknown_keyword"
  | "settings.malformed_tag"
  | "settings.rule_not_allowed"
  | "settings.duplicate_rule"
  | "settings.missing_value"
  | "settings.invalid_value"
  | "settings.conflicting_options"
  | "settings.invalid_limit"
  | "settings.invalid_signing_key"
  | "settings.invalid_recipient"
  | "read.not_dicom"
  | "read.missing_meta"
  | "read.truncated"
  | "read.bad_vr"
  | "read.bad_length"
  | "read.bad_structure"
  | "read.invalid"
  | "read.invalid_uid"
  | "read.not_directory"
  | "read.bad_rle"
  | "read.bad_jpeg"
  | "read.bad_jpegls"
  | "read.bad_j2k"
  | "limit.input_size"
  | "limit.element_size"
  | "limit.depth"
  | "limit.element_count"
  | "limit.enclosed_pixels"
  | "transfer_syntax.unsupported"
  | "phi.residual"
  | "phi.pattern"
  | "pixel.burned_in"
  | "pixel.burned_in_unknown"
  | "pixel.compressed_regions"
  | "pixel.unsupported"
  | "stream.closed"
  | "stream.leaf_invalid"
  | "stream.leaf_missing"
  | "write.failed"
  | "random.unavailable"
  | "preview.no_image"
  | "preview.frame_out_of_range"
  | "preview.too_large"
  | "preview.read_failed"
  | "reidentify.failed";

/** Thrown by the constructor and by `sanitize`; no output exists when one is thrown. */
export interface DicomSanitizerError extends Error {
  name: "DicomSanitizerError";
  code: ErrorCode;
  /** Byte offset in the input, for `read.*` and `limit.*` errors when known. */
  offset?: number;
  /** Tag path of the attribute, for de-identification errors. */
  path?: string;
  /** What to tell a person: `skipped` for input that is not DICOM at all (`read.not_dicom`: a
   * README or a viewer on a patient CD), `refused` for everything else. */
  status: "skipped" | "refused";
}

/** Settings compiled once, then `sanitize(bytes)` for any number of files. */
export class Sanitizer {
  /** @throws {DicomSanitizerError} with a `settings.*` code. */
  constructor(options?: SanitizerOptions);
  /**
   * De-identifies one DICOM Part 10 file. The input array is only read.
   * @throws {DicomSanitizerError} on any doubt; nothing is returned then.
   */
  sanitize(input: Uint8Array): Sanitized;
  /**
   * De-identifies the DICOMDIR of a media set (a patient CD) whose files were sanitized and
   * written under new names, or not at all. `rename` gets each record's Referenced File ID as
   * its components (`["PT000000", "ST000000", "SE000000", "IM000000"]`) and returns the new
   * one, or `null` for a file that is not in the output: its record goes, and so do records
   * left with nothing below them. PS3.10 File IDs have at most 8 components of at most 8
   * characters `A-Z 0-9 _`. The record offsets are rewritten; the report and receipt describe
   * the bytes returned.
   * @throws {DicomSanitizerError} `read.not_directory` for a file that is no DICOMDIR;
   * `phi.residual` when a new File ID holds an identifying value of the records (a Patient ID
   * folder kept as it was): name the files with `namePlan()` or numbers.
   */
  sanitizeDirectory(input: Uint8Array, rename: (fileId: string[]) => string[] | null): Sanitized;
  /** A plan for output names that keep the input tree's shape (see `NamePlan`). */
  namePlan(): NamePlan;
  /**
   * The Study Instance UID the output gets for an input one, without a file: the keyed `2.25.`
   * pseudonym (the same one `sanitize` writes), the input itself under `retainUids` or a keep
   * rule, a replace rule's value, or `null` where the settings remove it. For a STOW-RS proxy's
   * `/studies/{study}` path.
   * @throws {DicomSanitizerError} `read.invalid_uid` for a malformed UID.
   */
  pseudonymizeStudyUid(uid: string): string | null;
  /**
   * A TransformStream that sanitizes one file as it flows (`file.stream().pipeThrough(t)`,
   * `request.body.pipeThrough(t)`). Nothing is emitted until the header has passed every check;
   * memory is bounded by the header, not the pixel data. On error the stream errors: discard
   * what was emitted. `result` resolves when the stream ends.
   */
  transform(): SanitizeTransform;
  /** The lower-level stream the transform wraps. */
  stream(): SanitizeStream;
  /** Releases the wasm memory now rather than when garbage-collected. */
  free(): void;
  [Symbol.dispose](): void;
}

export interface SanitizeTransform extends TransformStream<Uint8Array, Uint8Array> {
  result: Promise<{ report: Report; receipt?: Receipt }>;
}

/** One file sanitized chunk by chunk. */
export class SanitizeStream {
  /**
   * Output ready so far (often empty while the header is gathered). Pixel bytes that pass unchanged
   * come back as a view of `chunk` itself, not a copy. Throws on any error; after one, `stream.closed`.
   */
  write(chunk: Uint8Array): Uint8Array;
  /**
   * Asks to hash whole leaves of unchanged pixel data elsewhere (worker threads), at the same time:
   * only before the first write, only for BLAKE3. False when the stream hashes everything itself.
   */
  handOutLeaves(): boolean;
  /** Once the header has passed, the leaves handed out; null when there are none. */
  delegation(): LeafDelegation | null;
  /**
   * Counts handed-out leaf `index`, the next input, as written without copying it in: the caller
   * writes its bytes to the output unchanged and hashes them. Throws `stream.leaf_invalid` out of turn.
   */
  passLeaf(index: number): void;
  /** Hands back the chaining value of leaf `index`, from `leafDigest` over exactly its bytes. */
  setLeaf(index: number, chainingValue: Uint8Array): void;
  /** The last output, and the report (throws `stream.leaf_missing` if a leaf never came back). */
  end(): Sanitized;
  free(): void;
  [Symbol.dispose](): void;
}

/**
 * Leaves of the output handed out by a stream: leaf `i` is `leafLength` bytes from
 * `inputOffset + i * leafLength` in the input, passed unchanged to `outputOffset + i * leafLength`.
 */
export interface LeafDelegation {
  leaves: number;
  leafLength: number;
  outputOffset: number;
  inputOffset: number;
}

/**
 * The BLAKE3 chaining value (32 bytes) of one handed-out leaf: `bytes`, found at `outputOffset`
 * in the output. Pure; for worker threads. Throws `stream.leaf_invalid` for a partial or
 * misplaced leaf.
 */
export function leafDigest(bytes: Uint8Array, outputOffset: number): Uint8Array;

export function sanitizeTransform(sanitizer: Sanitizer): SanitizeTransform;
/**
 * Node entry only: sanitizes the file at `input` into `output`, streaming (memory bounded by the
 * header), with reads and writes overlapping the sanitizing. In files of 64 MiB or more, whole
 * 4 MiB leaves of unchanged pixel data are passed by `threads` worker threads (default: one per
 * CPU; 0 for none), each reading a leaf into its own wasm memory, hashing it there and writing
 * it. Written to `output + ".partial"` and renamed when the whole file has passed; on any error
 * nothing is left and the promise rejects.
 */
export function sanitizeFile(
  sanitizer: Sanitizer,
  input: string,
  output: string,
  options?: { threads?: number },
): Promise<{ report: Report; receipt?: Receipt }>;
/** One file of `sanitizeFiles`. */
export interface BatchJob {
  input: string;
  output: string;
}
/** What became of one file of `sanitizeFiles`. */
export type BatchResult = BatchJob &
  (
    | { status: "sanitized"; report: Report; receipt?: Receipt }
    /** `failed`: the file system's error (a missing input, an output that cannot be written). */
    | { status: "refused" | "skipped"; error: DicomSanitizerError }
    | { status: "failed"; error: Error & { code?: string } }
  );
/**
 * Node entry only: sanitizes a batch of files on `threads` threads (default: one per CPU; this
 * one and `threads - 1` workers), each with its own `Sanitizer` made from `options`, so
 * pseudonyms agree with `new Sanitizer(options)`. Each file is read into the thread's wasm memory,
 * sanitized there in one shot and written from there to `output + ".partial"`, renamed when
 * whole; files over 16 MiB (or `limits.maxInputBytes`) are streamed by `sanitizeFile`. A file
 * that does not pass leaves nothing. Resolves to one result per job, in order; rejects only for
 * invalid options (`settings.*`) or a trap in the module.
 */
export function sanitizeFiles(
  options: SanitizerOptions,
  jobs: BatchJob[],
  settings?: { threads?: number; onResult?: (result: BatchResult, index: number) => void },
): Promise<BatchResult[]>;
/**
 * Node entry only: sanitizes every file below `inputRoot` into `outputRoot`, keeping the tree's
 * shape but no identifying name: each file or folder name that holds an identifying value of any
 * input (or the shape of a date or UID) becomes its keyed pseudonym, as the CLI's default
 * `--layout mirror` names it (see `NamePlan`). Media sets (folders with a DICOMDIR) are written
 * whole, their DICOMDIR last, naming exactly the files written. Files go through
 * `sanitizeFiles`; resolves to one result per input file, in sorted order.
 */
export function sanitizeTree(
  options: SanitizerOptions,
  inputRoot: string,
  outputRoot: string,
  settings?: { threads?: number; onResult?: (result: BatchResult, index: number) => void },
): Promise<BatchResult[]>;
/** Bytes of the module's linear memory now (it only grows). */
export function wasmMemoryBytes(): number;

/**
 * Instantiates the wasm module; idempotent. Needed once in browsers and Web Workers before
 * `new Sanitizer()`; already done at import in Node and edge workers.
 */
export function init(
  source?: string | URL | Request | Response | BufferSource | WebAssembly.Module,
): Promise<void>;

/** What a page groups and labels a preview by, as the (sanitized) file holds them. */
export interface PreviewLabels {
  modality: string | null;
  /** Pseudonymised (`2.25.…`) in a sanitized file unless Retain UIDs was chosen. */
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  seriesNumber: number | null;
  seriesDescription: string | null;
  sopClassUid: string | null;
  /** Manufacturer and Manufacturer's Model Name (what a `RegionRule` selects by), Photometric
   * Interpretation and Burned In Annotation, as the file holds them. */
  manufacturer: string | null;
  model: string | null;
  photometric: string | null;
  burnedInAnnotation: string | null;
}

export interface PreviewCommon {
  /** Number of Frames (1 when absent). */
  frames: number;
  rows: number;
  columns: number;
  labels: PreviewLabels;
}

/** A frame rendered in wasm: RGBA, `width × height`, ready for `new ImageData(rgba, width, height)`. */
export interface RenderedFrame extends PreviewCommon {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
  jpeg?: undefined;
}

/** A JPEG Baseline or Extended frame, coded: decode it with `createImageBitmap(new Blob([jpeg], { type: "image/jpeg" }))`. */
export interface JpegFrame extends PreviewCommon {
  jpeg: Uint8Array;
  rgba?: undefined;
}

/**
 * What a Part 10 file holds to preview, from its header alone (Pixel Data is not read, so the
 * file's first bytes up to Pixel Data suffice): `frames` is 0 when it has no image. Throws the
 * header's `read.*` errors.
 */
export function describeImage(file: Uint8Array): PreviewCommon;

/**
 * Renders frame `frame` (from 0) of a Part 10 file (Rescale, the first window or the frame's
 * range, MONOCHROME1, RGB, YBR, palette colour; RLE, JPEG Lossless, JPEG-LS and JPEG 2000
 * decoded here), area-averaged to fit `maxSize` pixels on its long side when given. Throws a
 * `DicomSanitizerError`: `preview.no_image`, `preview.frame_out_of_range`, `preview.too_large`,
 * `pixel.unsupported`, `read.*`.
 */
export function renderFrame(file: Uint8Array, frame: number, maxSize?: number): RenderedFrame | JpegFrame;

/**
 * Reads `length` bytes of a file at `offset`, synchronously (fewer only where the file ends):
 * e.g. `new FileReaderSync().readAsArrayBuffer(blob.slice(offset, offset + length))` in a
 * worker, `fs.readSync` in Node. What it throws becomes `preview.read_failed`.
 */
export type ReadAt = (offset: number, length: number) => Uint8Array;

/**
 * `renderFrame` of a file of `size` bytes read by position: its header, then only the frame's
 * bytes (for encapsulated data, the items' headers and the frame's fragments), so a file of
 * gigabytes previews in a few MiB of wasm memory. Throws as `renderFrame`, and
 * `preview.read_failed`.
 */
export function renderFrameAt(size: number, read: ReadAt, frame: number, maxSize?: number): RenderedFrame | JpegFrame;

/** `describeImage` of a file of `size` bytes read by position: only its header is read. */
export function describeImageAt(size: number, read: ReadAt): PreviewCommon;

/** Whether `file` still matches its signed receipt, for the signer's public key (hex or bytes). */
export function verify(file: Uint8Array, receipt: Receipt, publicKey: string | Uint8Array): Verification;
/**
 * Whether `original` is the file `report` (of the sanitized `file`) was made from: its bytes
 * outside Pixel Data match `inputHeader`, and its pixels equal the output's (or `inputPixelData`
 * where they were blanked). Check the receipt with `verify` first: this trusts the report.
 */
export function verifyOriginal(original: Uint8Array, file: Uint8Array, report: Report): Verification;
/**
 * A file sanitized with `recipients`, its original values restored (PS3.15 E.1.2) with a
 * recipient's RSA private key (PEM text or DER bytes); `certificate` picks its recipient info.
 * Throws `reidentify.failed` whatever failed inside. For the key holder (Node); no page or
 * worker of this package asks for a private key.
 */
export function reidentify(
  file: Uint8Array,
  privateKey: string | Uint8Array,
  certificate?: string | Uint8Array,
): Uint8Array;
/** What a recipient certificate is, as `recipientInfo` reads it. */
export interface RecipientInfo {
  /** The subject, RFC 4514 (`CN=Archive,O=Hospital`). */
  subject: string;
  /** The end of its validity, RFC 3339 in UTC (`2030-01-31T23:59:59Z`). Shown, not enforced. */
  notAfter: string;
  /** `notAfter` in seconds since the Unix epoch. */
  notAfterUnix: number;
  /** The certificate alone as PEM (never text or keys around it): what `recipients` takes. */
  pem: string;
}
/**
 * Reads a recipient certificate (PEM text, or PEM or DER bytes) as `recipients` would, for a
 * person to check before adding it. Throws `settings.invalid_recipient` for what `recipients`
 * refuses (not X.509, not RSA of at least 2048 bits).
 */
export function recipientInfo(certificate: string | Uint8Array): RecipientInfo;
/**
 * The PEM blocks of `text` (certificates one after another, as a `.pem` bundle or an edge
 * worker's text binding holds them), one string each, for `recipients`. Text outside the blocks
 * becomes an entry of its own, so the Sanitizer refuses it (`settings.invalid_recipient`).
 */
export function pemBlocks(text: string): string[];
/**
 * For a server that may answer an upload before reading all of it: `body` is the request body to
 * pipe or read (cancelling it leaves the rest unread), and `drain()` reads and drops what the
 * client still sends, for at most `seconds` (default 30); await it before the answer goes out,
 * or a client still sending may never get the answer.
 */
export function drainable(
  stream: ReadableStream<Uint8Array>,
  seconds?: number,
): { body: ReadableStream<Uint8Array>; drain: () => Promise<void> };
/** The public key (hex) of a signing key (hex or 32 bytes). */
export function publicKey(signingKey: string | Uint8Array): string;
/** A new random Ed25519 signing key (hex), from crypto.getRandomValues. */
export function generateSigningKey(): string;

/** One identifying value of a file's header, as the header holds it. */
export interface IdentifyingValue {
  /** `name`: a person name, components split by `^`; `date`: `YYYYMMDD` (birth date, dates of
   * the visit); `id`: Patient ID, Accession Number, order and visit numbers; `text`: institution,
   * addresses, telephone numbers. */
  kind: "name" | "id" | "date" | "text";
  /** `(gggg,eeee)` of the attribute. */
  tag: string;
  /** The attribute's keyword (`""` for a private one). */
  keyword: string;
  value: string;
}
/**
 * The identifying values of a file's header (each distinct one once), to look for elsewhere, e.g.
 * in text that OCR reads off its pixels. Reads only the header: pass the file or its first bytes
 * as far as Pixel Data (`read.truncated` when they stop short: pass more). Throws a
 * `DicomSanitizerError` for anything that does not read, as `sanitize` would.
 */
export function identifyingValues(bytes: Uint8Array, acceptRaw?: boolean): IdentifyingValue[];

/**
 * The output names of a tree that keeps its input names (`Sanitizer.namePlan()`), as the CLI's
 * `--layout mirror` makes them: every file or folder name holding an identifying value of any
 * input (or with the shape of a date or a UID) becomes a keyed pseudonym of itself (8 letters,
 * `.dcm` kept), the same wherever it occurs. Use them for files, zip entries, report names and a
 * media set's File IDs.
 */
export class NamePlan {
  /**
   * Adds an input by its `/`-separated path below the tree's root and its first bytes
   * (`whole`: the whole file). Returns `false` (nothing added) when the bytes stop before the
   * header ends and are not the whole file: call again with more (the first MiB is usually
   * enough).
   */
  add(path: string, head: Uint8Array, whole: boolean): boolean;
  /** The output path of every input added, in order. */
  names(): string[];
  free(): void;
}
/**
 * Adds one input of `size` bytes to `plan`, reading as much of its start as its header needs
 * (1 MiB, else up to 33 MiB): `head(n)` resolves to the file's first `n` bytes.
 */
export function addToNamePlan(
  plan: NamePlan,
  path: string,
  size: number,
  head: (n: number) => Promise<Uint8Array>,
): Promise<void>;

export function isDicomSanitizerError(e: unknown): e is DicomSanitizerError;
export function errorCodes(): ErrorCode[];
export function findingCodes(): FindingCode[];
/** Version of the core library. */
export function version(): string;
/** Edition of PS3.15 Table E.1-1 applied. */
export function edition(): string;

// ---- Integrations: `dicom-sanitizer/form` and `dicom-sanitizer/uppy` (form.d.ts, uppy.d.ts) ----

/** A code of a file refused in the browser integrations: the sanitizer's, or the worker's. */
export type RefusalCode = ErrorCode | "worker.failed" | "worker.internal";

/** Browser entry and `dicom-sanitizer/form` only: client for the package's Web Worker module
 * (`sanitize-worker.js`); pass one to several integrations (and use it in the page) to run a
 * single worker. */
export class SanitizerWorker {
  /** Default: the package's `sanitize-worker.js`; or a script URL, or a started module Worker. */
  constructor(url?: string | URL | Worker);
  configure(settings?: SanitizerOptions): Promise<unknown>;
  /** Streams the file through the sanitizer in the worker; `onProgress` gets the bytes read. */
  sanitize(file: Blob, onProgress?: (bytesRead: number) => void): Promise<{ blob: Blob; report: Report }>;
  terminate(): void;
}

/** Browser entry and `dicom-sanitizer/form` only: a sentence for a person, for a refusal code. */
export function describeRefusal(code: string): string;

/** What a rename function is given; `path` is the original (folder-relative) name, which may carry PHI. */
export interface RenameInput {
  /** 0 for the first file kept, 1 for the next… */
  index: number;
  path: string;
  file: Blob;
  report: Report;
}
export type RenameFunction = (input: RenameInput) => string;

export interface IntakeProgress {
  /** Files finished so far. */
  index: number;
  total: number;
  bytes: number;
  totalBytes: number;
  /** bytes / totalBytes, 0 to 1. */
  fraction: number;
}

export interface IntakeRefusal {
  /** The original name (shown to the person who picked it, never submitted). */
  path: string;
  code: RefusalCode;
  /** A sentence for a person (see `describeRefusal`). */
  reason: string;
  /** True for input that is not DICOM at all (`read.not_dicom`). */
  skipped: boolean;
}

export interface IntakeResult {
  files: { file: File; report: Report; path: string }[];
  refused: IntakeRefusal[];
}

export interface ProtectFileInputOptions {
  /** Sanitizer settings, or a function giving them at each pick; passed as they are (with
   * `recipients`, each file submitted carries its Encrypted Attributes). */
  settings?: SanitizerOptions | (() => SanitizerOptions);
  /** Output names; default `IM000001.dcm`, `IM000002.dcm`… */
  rename?: RenameFunction;
  onProgress?: (progress: IntakeProgress) => void;
  /** An element that takes drops of files and whole folders. */
  dropZone?: HTMLElement;
  /** Where progress and refusals are shown; default after the input; false for nowhere. */
  status?: HTMLElement | false;
  /** The worker to use: a SanitizerWorker (shared) or a script URL. */
  worker?: SanitizerWorker | string | URL;
}

export interface FileInputGuard {
  readonly busy: boolean;
  /** Resolves when no pick is being sanitized; the input then holds exactly `result.files`. */
  whenIdle(): Promise<IntakeResult>;
  readonly result: IntakeResult;
  /** Stops protecting the input (and ends its own worker). */
  destroy(): void;
}

/** The `dicom-sanitize-*` events dispatched on a protected input (they bubble). */
export interface DicomSanitizeEventMap {
  "dicom-sanitize-start": CustomEvent<{ total: number; totalBytes: number }>;
  "dicom-sanitize-progress": CustomEvent<IntakeProgress>;
  "dicom-sanitize-done": CustomEvent<IntakeResult>;
}

export interface DicomSanitizeUppyOptions {
  id?: string;
  /** Sanitizer settings, or a function giving them at each upload; passed as they are (with
   * `recipients`, each file uploaded carries its Encrypted Attributes). */
  settings?: SanitizerOptions | (() => SanitizerOptions);
  rename?: RenameFunction;
  worker?: SanitizerWorker | string | URL;
}
