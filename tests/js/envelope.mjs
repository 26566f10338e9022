// Encrypted Attributes in the JS tests: recipients made by OpenSSL at test time (none committed)
// and the independent checks of what was sealed for them (tests/oracle/encrypted.py): OpenSSL
// opens the Encrypted Content, pydicom compares it with the input, GDCM's gdcmanon re-identifies.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { ROOT, python } from "./helpers.mjs";

const openssl = (dir, args) => execFileSync("openssl", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** A fresh self-signed RSA-2048 identity in `dir`: `{ cert, key, pem }`, the paths of `name.pem`
 * and `name.key` (PKCS#8) and the certificate's text. `type` "ec" makes a P-256 one instead,
 * which recipients refuse. */
export function identity(dir, name, { subject = `/CN=${name}`, type = "rsa:2048" } = {}) {
  const key = type === "ec" ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] : ["-newkey", type];
  openssl(dir, ["req", "-x509", ...key, "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-subj", subject, "-days", "2"]);
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`), pem: readFileSync(join(dir, `${name}.pem`), "utf8") };
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

/** tests/oracle/encrypted.py on `output` (bytes), `input` (bytes) sanitized for `who` (an
 * `identity`): OpenSSL opens the envelope to exactly the changed originals (pydicom, element by
 * element, nested sequences), and GDCM's gdcmanon and each of `restored` (bytes) give every
 * original element back. `{ enclosed, restored }`; throws, naming tags only, on any difference. */
export function checkEncrypted(input, output, who, restored = []) {
  const dir = mkdtempSync(join(tmpdir(), "dicom-sanitizer-encrypted-"));
  const write = (name, bytes) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  try {
    const args = [write("input.dcm", input), write("output.dcm", output), who.cert, who.key,
      ...restored.map((bytes, i) => write(`restored-${i}.dcm`, bytes))];
    return JSON.parse(execFileSync(python(), [join(ROOT, "tests/oracle/encrypted.py"), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
