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
}

export interface SanitizerOptions {
  options?: ProfileOption[];
  /**
   * Pseudonym key, at least 16 bytes (a string counts its UTF-8 bytes). Without it a random key is
   * made per Sanitizer, so pseudonyms cannot be reproduced. The same key gives the same output
   * bytes here, in any other runtime and in the native CLI.
   */
  key?: string | Uint8Array;
  patientId?: PatientIdPolicy;
  rules?: UserRule[];
  limits?: Limits;
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
  | "private.no_creator"
  | "value.un_removed"
  | "value.date_unparsable"
  | "structure.meta_in_dataset";

export interface Finding {
  code: FindingCode;
  /** Tag path such as `(0008,1115)/(0008,114A)/(0008,1155)`, where one applies. */
  path?: string;
  message: string;
}

export interface Digest {
  /** Lower-case hex SHA-256. */
  sha256: string;
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
  input: Digest;
  output: Digest;
}

export interface Sanitized {
  bytes: Uint8Array;
  report: Report;
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
  | "read.not_dicom"
  | "read.missing_meta"
  | "read.truncated"
  | "read.bad_vr"
  | "read.bad_length"
  | "read.bad_structure"
  | "read.invalid"
  | "read.missing_attribute"
  | "read.invalid_uid"
  | "limit.input_size"
  | "limit.element_size"
  | "limit.depth"
  | "limit.element_count"
  | "transfer_syntax.unsupported"
  | "write.failed"
  | "random.unavailable";

/** Thrown by the constructor and by `sanitize`; no output exists when one is thrown. */
export interface DicomSanitizerError extends Error {
  name: "DicomSanitizerError";
  code: ErrorCode;
  /** Byte offset in the input, for `read.*` and `limit.*` errors when known. */
  offset?: number;
  /** Tag path of the attribute, for de-identification errors. */
  path?: string;
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
  /** Releases the wasm memory now rather than when garbage-collected. */
  free(): void;
  [Symbol.dispose](): void;
}

/**
 * Instantiates the wasm module; idempotent. Needed once in browsers and Web Workers before
 * `new Sanitizer()`; already done at import in Node and edge workers.
 */
export function init(
  source?: string | URL | Request | Response | BufferSource | WebAssembly.Module,
): Promise<void>;

export function isDicomSanitizerError(e: unknown): e is DicomSanitizerError;
export function errorCodes(): ErrorCode[];
export function findingCodes(): FindingCode[];
/** Version of the core library. */
export function version(): string;
/** Edition of PS3.15 Table E.1-1 applied. */
export function edition(): string;
