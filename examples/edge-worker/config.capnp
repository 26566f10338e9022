# workerd configuration for the edge-worker example. `make worker-test` runs it on 127.0.0.1 with
# the bucket directory overridden (`--directory-path bucket=...`) and a free port.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .sanitizerWorker),
    # Stands in for the storage bucket: a writable directory that accepts PUT.
    (name = "bucket", disk = (path = "bucket", writable = true)),
  ],
  sockets = [(name = "http", address = "127.0.0.1:8788", http = (), service = "main")],
  # Cap wasm linear memory at 64 MiB (1024 pages of 64 KiB): streaming keeps the sanitizer far
  # below it whatever the upload size, and local workerd does not enforce the Workers limit itself.
  v8Flags = ["--wasm-max-mem-pages=1024"],
);

const sanitizerWorker :Workerd.Worker = (
  compatibilityDate = "2026-10-01",
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "pkg/worker.js", esModule = embed "../../pkg/worker.js"),
    (name = "pkg/api.js", esModule = embed "../../pkg/api.js"),
    (name = "pkg/dicom_sanitizer.js", esModule = embed "../../pkg/dicom_sanitizer.js"),
    (name = "pkg/dicom_sanitizer_bg.wasm", wasm = embed "../../pkg/dicom_sanitizer_bg.wasm"),
  ],
  bindings = [
    (name = "BUCKET", service = "bucket"),
    # A test key; in production this is a secret binding.
    (name = "SANITIZER_KEY", text = "edge-worker-example-key-0123456789"),
    (name = "MAX_UPLOAD_BYTES", text = "4294967296"),
    # Region rules (RegionRule[]), as the demo page exports them: where each device writes.
    (name = "REGION_RULES", json = embed "region-rules.json"),
    # PEM certificates of those who may re-identify (PS3.15 Encrypted Attributes), one after
    # another, e.g. `text = embed "recipients.pem"`; empty: the output carries no originals.
    (name = "RECIPIENTS", text = ""),
  ],
);
