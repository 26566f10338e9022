// A static file server for the demo page, bound to 127.0.0.1 only. `make serve` runs it; the
// browser test starts it in-process on a free port and reads the list of paths it served;
// `handle(req, res)` (the integrations test's upload endpoints) sees each request first and
// returns true for those it answered.
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ts": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
};

export function serve(rootDir, port = 0, handle = () => false) {
  const root = resolve(rootDir);
  const served = [];
  const server = createServer((req, res) => {
    if (handle(req, res)) return;
    const path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = join(file, "index.html");
      statSync(file);
    } catch {
      res.writeHead(404).end("not found");
      return;
    }
    served.push(path);
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-store",
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolveListen) => {
    server.listen(port, "127.0.0.1", () => {
      resolveListen({ server, url: `http://127.0.0.1:${server.address().port}/`, served });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dir = "target/site", port = "8000"] = process.argv.slice(2);
  const { url } = await serve(dir, Number(port));
  console.log(`serving ${dir} at ${url} (Ctrl-C stops)`);
}
