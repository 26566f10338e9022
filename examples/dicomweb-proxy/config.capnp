# workerd configuration for the DICOMweb STOW-RS proxy. `make dicomweb-proxy` runs it with Orthanc
# on 127.0.0.1:8042; the tests override both addresses (`-s http=...`, `-e orthanc=...`).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .proxyWorker),
    # The upstream DICOMweb service (Orthanc with its DICOMweb plugin).
    (name = "orthanc", external = (address = "127.0.0.1:8042", http = ())),
  ],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
  # Wasm memory capped at 64 MiB (1024 pages): streaming keeps the sanitizer far below it.
  v8Flags = ["--wasm-max-mem-pages=1024"],
);

const proxyWorker :Workerd.Worker = (
  compatibilityDate = "2026-10-01",
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "pkg/worker.js", esModule = embed "../../pkg/worker.js"),
    (name = "pkg/api.js", esModule = embed "../../pkg/api.js"),
    (name = "pkg/dicom_sanitizer.js", esModule = embed "../../pkg/dicom_sanitizer.js"),
    (name = "pkg/dicom_sanitizer_bg.wasm", wasm = embed "../../pkg/dicom_sanitizer_bg.wasm"),
  ],
  bindings = [
    (name = "UPSTREAM", service = "orthanc"),
    (name = "UPSTREAM_STUDIES", text = "http://orthanc/dicom-web/studies"),
    # A test key; in production this is a secret binding.
    (name = "SANITIZER_KEY", text = "dicomweb-proxy-example-key-0123456789"),
    # The largest part accepted (1 GiB): pixel data streams, so only this bounds a part's size.
    (name = "MAX_PART_BYTES", text = "1073741824"),
    # Seconds a client is told to wait (Retry-After) when the upstream is unavailable.
    (name = "RETRY_AFTER", text = "5"),
    # Seconds the rest of a body refused early (413, 400) is read and dropped before the answer
    # goes out, so that a client still sending gets it rather than a reset connection.
    (name = "LINGER_SECONDS", text = "30"),
    # PEM certificates of those who may re-identify (PS3.15 Encrypted Attributes), one after
    # another, e.g. `text = embed "recipients.pem"`; empty: the output carries no originals.
    (name = "RECIPIENTS", text = ""),
  ],
);
