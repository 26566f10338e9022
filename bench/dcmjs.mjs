// Benchmark runner: dcmjs's anonymizer (npm), as its docs show it: read the whole file, clean the
// tags of the naturalised dataset's dictionary, write the whole file back.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import dcmjs from "dcmjs";

const [input, output] = process.argv.slice(2);
mkdirSync(output, { recursive: true });
for (const name of readdirSync(input).sort()) {
  const buffer = readFileSync(join(input, name));
  const message = dcmjs.data.DicomMessage.readFile(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
  dcmjs.anonymizer.cleanTags(message.dict);
  writeFileSync(join(output, name), Buffer.from(message.write()));
}
