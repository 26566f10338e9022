// Encrypted Attributes in the JS tests: recipients made by OpenSSL at test time (none committed)
// and the independent checks of what was sealed for them. GDCM's gdcmanon re-identifies; OpenSSL
// opens the Encrypted Content and pydicom compares it with the input (tests/oracle/envelope.py).
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { ROOT } from "./helpers.mjs";

const openssl = (dir, args) => execFileSync("openssl", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** A fresh self-signed RSA-2048 identity in `dir`: `{ cert, key }`, the paths of `name.pem` and
 * `name.key` (PKCS#8). `type` "ec" makes a P-256 one instead, which recipients refuse. */
export function identity(dir, name, { subject = `/CN=${name}`, type = "rsa:2048" } = {}) {
  const key = type === "ec" ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] : ["-newkey", type];
  openssl(dir, ["req", "-x509", ...key, "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-subj", subject, "-days", "2"]);
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}

/** An RSA identity whose certificate's validity ended in 2021 (`req -x509` cannot backdate;
 * `openssl ca` can, with a throwaway database under `dir`). */
export function expiredIdentity(dir, name) {
  const db = join(dir, `${name}-ca`);
  mkdirSync(db);
  writeFileSync(join(db, "index.txt"), "");
  writeFileSync(join(db, "serial"), "01\n");
  writeFileSync(join(db, "ca.cnf"), `[ca]\ndefault_ca = d\n[d]\ndatabase = ${db}/index.txt\nnew_certs_dir = ${db}\nserial = ${db}/serial\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n`);
  openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`]);
  openssl(dir, ["ca", "-batch", "-config", join(db, "ca.cnf"), "-selfsign", "-keyfile", `${name}.key`, "-in", `${name}.csr`,
    "-out", `${name}.pem`, "-startdate", "20200101000000Z", "-enddate", "20210101000000Z", "-notext"]);
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}

/** The certificate's end of validity as OpenSSL prints it, in RFC 3339 (`2030-01-31T23:59:59Z`). */
export function notAfter(cert) {
  return openssl(".", ["x509", "-in", cert, "-noout", "-enddate", "-dateopt", "iso_8601"]).trim().replace(/^notAfter=/, "").replace(" ", "T");
}

/** `cert` in DER, written beside it as `.der`; its path. */
export function derOf(cert) {
  const der = cert.replace(/\.pem$/, ".der");
  openssl(".", ["x509", "-in", cert, "-outform", "DER", "-out", der]);
  return der;
}

/** The Patient Name of a file as DCMTK's dcmdump reads it. */
export function patientName(file) {
  return /\(0010,0010\) PN \[([^\]]*)\]/.exec(execFileSync("dcmdump", [file], { encoding: "utf8" }))?.[1];
}

/** GDCM's gdcmanon -d: `file` re-identified with `key`, written to `out`. */
export function gdcmReidentify(file, key, out) {
  execFileSync("gdcmanon", ["-d", "-i", file, "-o", out, "-k", key], { stdio: ["ignore", "pipe", "pipe"] });
}

/** tests/oracle/envelope.py on a sanitized file and its input (paths): `{ transferSyntax, tags,
 * mismatches }`, OpenSSL having opened the envelope with `cert` and `key`. */
export function openEnvelope(original, sanitized, { cert, key }) {
  const python = process.env.DICOM_SANITIZER_PYTHON;
  if (!python) throw new Error("DICOM_SANITIZER_PYTHON is not set (run through make)");
  return JSON.parse(execFileSync(python, [join(ROOT, "tests/oracle/envelope.py"), original, sanitized, cert, key], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
}

/** Explicit VR Little Endian: what the Encrypted Content must be encoded in. */
export const EXPLICIT_LE = "1.2.840.10008.1.2.1";
