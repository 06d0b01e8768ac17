import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * A package index on 127.0.0.1 for tests (and benchmarks): give it projects and file bytes, get
 * PEP 503 HTML and PEP 691 JSON pages, PEP 658 metadata files, yanked files, PEP 700 upload times
 * and sizes, ETag revalidation and Range requests. Per-path behaviours inject failures (503s,
 * connection resets, delays, redirects, truncated or custom bodies) so each client behaviour can
 * be asserted. Every request is logged in `requests`.
 *
 *   const server = await startIndexServer({ projects: [{ project: "demo", files: [
 *     { filename: "demo-1.0-py3-none-any.whl", bytes: wheelBytes, metadata: "Metadata-Version: 2.1\n..." },
 *   ] }] });
 *   // server.indexUrl → "http://127.0.0.1:PORT/simple" (content-negotiated)
 *   await server.close();
 *
 * `/html/simple/` and `/json/simple/` serve one flavour whatever the Accept header says.
 */

export interface ServedFile {
  filename: string;
  bytes: Uint8Array | string;
  requiresPython?: string;
  /** true, or a reason string. */
  yanked?: boolean | string;
  /** Core METADATA text; when given the page advertises a PEP 658 metadata file with its hash. */
  metadata?: string;
  /** ISO 8601, PEP 700. */
  uploadTime?: string;
}

export interface ServedProject {
  project: string;
  files: ServedFile[];
}

export interface Behaviour {
  /** Answer 503 this many times before answering normally. */
  failTimes?: number;
  /** Destroy the connection without an answer this many times. */
  resetTimes?: number;
  /** Wait this long before sending anything. */
  delayMs?: number;
  /** Answer 302 with this Location (a path or an absolute URL). */
  redirectTo?: string;
  /** Answer with this status and body instead of the real content. */
  respond?: { status?: number; contentType?: string; body: string };
  /** Announce the full Content-Length, send half the body, then cut the connection. */
  truncate?: boolean;
  /** Send the headers and half the body, then pause this long before the rest. */
  stallMs?: number;
  /** Ignore Range headers (answer 200 with the whole file). */
  noRange?: boolean;
  /** Override Cache-Control for this path. */
  cacheControl?: string;
}

export interface IndexServerOptions {
  projects: ServedProject[];
  /** What `/simple/` serves: negotiated from Accept (default), or always one flavour. */
  flavour?: "negotiate" | "html" | "json";
  /** PEP 629 version announced by the pages (default "1.1"). */
  apiVersion?: string;
  /** Cache-Control of pages and metadata (default "max-age=0, must-revalidate"). */
  cacheControl?: string;
  /** Advertise metadata with the pre-PEP 714 `data-dist-info-metadata` / `dist-info-metadata`. */
  legacyMetadataAttribute?: boolean;
  /** Require HTTP Basic credentials on every request. */
  auth?: { username: string; password: string };
  behaviours?: Record<string, Behaviour>;
  /** Delay every answer by this much, to model a server across a network. */
  latencyMs?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
}

export interface IndexServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Negotiated simple index root, without a trailing slash. */
  indexUrl: string;
  htmlIndexUrl: string;
  jsonIndexUrl: string;
  fileUrl(filename: string): string;
  requests: LoggedRequest[];
  /** TCP connections accepted so far (keep-alive reuses them). */
  readonly connectionCount: number;
  /** Most requests the server was answering at the same moment. */
  readonly maxInFlight: number;
  setBehaviour(path: string, behaviour: Behaviour | undefined): void;
  setProjects(projects: ServedProject[]): void;
  close(): Promise<void>;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export interface PageOptions {
  apiVersion?: string;
  legacyMetadataAttribute?: boolean;
  /** Prefix of file URLs (default "../../files/", relative to /<flavour>/simple/<name>/). */
  filesBase?: string;
}

export function renderHtmlPage(project: ServedProject, options: PageOptions = {}): string {
  const base = options.filesBase ?? "../../files/";
  const metaAttr = options.legacyMetadataAttribute ? "data-dist-info-metadata" : "data-core-metadata";
  const links = project.files.map((f) => {
    const attrs = [`href="${base}${encodeURIComponent(f.filename)}#sha256=${sha256Hex(f.bytes)}"`];
    if (f.requiresPython) attrs.push(`data-requires-python="${escapeHtml(f.requiresPython)}"`);
    if (f.yanked !== undefined && f.yanked !== false) {
      attrs.push(`data-yanked="${f.yanked === true ? "" : escapeHtml(f.yanked)}"`);
    }
    if (f.metadata !== undefined) attrs.push(`${metaAttr}="sha256=${sha256Hex(f.metadata)}"`);
    if (f.uploadTime) attrs.push(`data-upload-time="${escapeHtml(f.uploadTime)}"`);
    return `    <a ${attrs.join(" ")}>${escapeHtml(f.filename)}</a><br/>`;
  });
  return [
    "<!DOCTYPE html>",
    "<html>",
    "  <head>",
    `    <meta name="pypi:repository-version" content="${options.apiVersion ?? "1.1"}">`,
    `    <title>Links for ${escapeHtml(project.project)}</title>`,
    "  </head>",
    "  <body>",
    `    <h1>Links for ${escapeHtml(project.project)}</h1>`,
    ...links,
    "  </body>",
    "</html>",
    "",
  ].join("\n");
}

export function renderJsonPage(project: ServedProject, options: PageOptions = {}): string {
  const base = options.filesBase ?? "../../files/";
  const metaKey = options.legacyMetadataAttribute ? "dist-info-metadata" : "core-metadata";
  const versions = new Set<string>();
  const files = project.files.map((f) => {
    const version = f.filename.split("-")[1];
    if (version) versions.add(version.replace(/\.(tar\.gz|zip)$/, ""));
    const entry: Record<string, unknown> = {
      filename: f.filename,
      url: `${base}${encodeURIComponent(f.filename)}`,
      hashes: { sha256: sha256Hex(f.bytes) },
      "requires-python": f.requiresPython ?? null,
      yanked: f.yanked ?? false,
      size: typeof f.bytes === "string" ? Buffer.byteLength(f.bytes) : f.bytes.length,
    };
    if (f.metadata !== undefined) entry[metaKey] = { sha256: sha256Hex(f.metadata) };
    if (f.uploadTime) entry["upload-time"] = f.uploadTime;
    return entry;
  });
  return JSON.stringify({
    meta: { "api-version": options.apiVersion ?? "1.1" },
    name: normalizeName(project.project),
    versions: [...versions],
    files,
  });
}

const JSON_TYPE = "application/vnd.pypi.simple.v1+json";
const HTML_TYPE = "application/vnd.pypi.simple.v1+html";

/** Pick the offered type with the highest q in Accept (ties: the order we offer). */
function negotiate(accept: string | undefined): string {
  const offered = [JSON_TYPE, HTML_TYPE, "text/html"];
  if (!accept) return "text/html";
  let best = "";
  let bestQ = 0;
  for (const type of offered) {
    for (const part of accept.split(",")) {
      const [range, ...params] = part.trim().split(";");
      const q = Number(
        params
          .find((p) => p.trim().startsWith("q="))
          ?.trim()
          .slice(2) ?? "1",
      );
      const r = range!.trim().toLowerCase();
      const matches = r === type || r === "*/*" || (r.endsWith("/*") && type.startsWith(r.slice(0, -1)));
      if (matches && q > bestQ) {
        best = type;
        bestQ = q;
      }
    }
  }
  return best || "text/html";
}

export async function startIndexServer(options: IndexServerOptions): Promise<IndexServer> {
  let projects = new Map(options.projects.map((p) => [normalizeName(p.project), p]));
  const files = new Map<string, ServedFile>();
  // Rendered pages and ETags are memoised so the server spends little CPU per request (benchmarks
  // share two cores between it and the client under test).
  const rendered = new Map<string, { body: string; etag: string }>();
  const indexFiles = (): void => {
    files.clear();
    rendered.clear();
    for (const p of projects.values()) for (const f of p.files) files.set(f.filename, f);
  };
  indexFiles();
  const behaviours = new Map(Object.entries(options.behaviours ?? {}));
  const counters = new Map<string, { fails: number; resets: number }>();
  const requests: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  const pageCacheControl = options.cacheControl ?? "max-age=0, must-revalidate";
  const lastModified = new Date(Date.UTC(2024, 0, 1)).toUTCString();

  let connectionCount = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = decodeURIComponent(url.pathname);
    const log: LoggedRequest = { method: req.method ?? "GET", path, headers: { ...req.headers }, status: 0 };
    requests.push(log);
    const send = (
      status: number,
      headers: Record<string, string | number>,
      body?: string | Uint8Array,
    ): void => {
      log.status = status;
      const stallMs = behaviours.get(path)?.stallMs;
      if (stallMs && body !== undefined && body.length > 1 && status === 200) {
        const bytes = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
        res.writeHead(status, { ...headers, "content-length": bytes.length });
        res.write(bytes.subarray(0, bytes.length >> 1));
        setTimeout(() => res.end(bytes.subarray(bytes.length >> 1)), stallMs);
        return;
      }
      res.writeHead(status, headers);
      res.end(body);
    };
    const behaviour = behaviours.get(path) ?? {};
    const count = counters.get(path) ?? { fails: 0, resets: 0 };
    counters.set(path, count);
    const delayMs = (behaviour.delayMs ?? 0) + (options.latencyMs ?? 0);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    if (behaviour.resetTimes !== undefined && count.resets < behaviour.resetTimes) {
      count.resets++;
      log.status = -1;
      req.socket.destroy();
      return;
    }
    if (behaviour.failTimes !== undefined && count.fails < behaviour.failTimes) {
      count.fails++;
      return send(503, { "content-type": "text/plain" }, "try again");
    }
    if (options.auth) {
      const expected = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`;
      if (req.headers.authorization !== expected) {
        return send(401, { "www-authenticate": 'Basic realm="index"', "content-type": "text/plain" }, "no");
      }
    }
    if (behaviour.redirectTo) return send(302, { location: behaviour.redirectTo }, "");
    if (behaviour.respond) {
      return send(
        behaviour.respond.status ?? 200,
        { "content-type": behaviour.respond.contentType ?? "text/html" },
        behaviour.respond.body,
      );
    }
    const cacheControl = behaviour.cacheControl ?? pageCacheControl;

    const sendCacheable = (contentType: string, body: string | Uint8Array, knownEtag?: string): void => {
      const etag = knownEtag ?? `"${sha256Hex(body).slice(0, 32)}"`;
      const headers = { etag, "last-modified": lastModified, "cache-control": cacheControl, vary: "Accept" };
      if (req.headers["if-none-match"] === etag) return send(304, headers);
      if (behaviour.truncate) {
        const bytes = typeof body === "string" ? Buffer.from(body) : body;
        log.status = 200;
        res.writeHead(200, { ...headers, "content-type": contentType, "content-length": bytes.length });
        res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => req.socket.destroy());
        return;
      }
      send(200, { ...headers, "content-type": contentType }, body);
    };

    const page = /^\/(html\/|json\/)?simple\/([^/]+)\/$/.exec(path);
    if (page) {
      const project = projects.get(page[2]!);
      if (!project) return send(404, { "content-type": "text/plain" }, "not found");
      const forced = page[1] === "html/" ? "html" : page[1] === "json/" ? "json" : options.flavour;
      const type =
        forced === "html" ? HTML_TYPE : forced === "json" ? JSON_TYPE : negotiate(req.headers.accept);
      const pageOptions: PageOptions = {
        apiVersion: options.apiVersion ?? "1.1",
        filesBase: page[1] ? "../../../files/" : "../../files/",
      };
      if (options.legacyMetadataAttribute) pageOptions.legacyMetadataAttribute = true;
      const body =
        type === JSON_TYPE ? renderJsonPage(project, pageOptions) : renderHtmlPage(project, pageOptions);
      return sendCacheable(type, body);
    }
    if (/^\/(html\/|json\/)?simple\/$/.test(path)) {
      const links = [...projects.keys()].map((n) => `<a href="${n}/">${n}</a>`).join("\n");
      return sendCacheable("text/html", `<!DOCTYPE html><html><body>\n${links}\n</body></html>\n`);
    }
    const fileMatch = /^\/files\/(.+)$/.exec(path);
    if (fileMatch) {
      const name = fileMatch[1]!;
      const metadataOf = name.endsWith(".metadata")
        ? files.get(name.slice(0, -".metadata".length))
        : undefined;
      if (metadataOf?.metadata !== undefined)
        return sendCacheable("application/octet-stream", metadataOf.metadata);
      const file = files.get(name);
      if (!file) return send(404, { "content-type": "text/plain" }, "not found");
      const bytes = typeof file.bytes === "string" ? Buffer.from(file.bytes) : Buffer.from(file.bytes);
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
      if (range && !behaviour.noRange) {
        let start: number;
        let end: number;
        if (range[1] === "") {
          start = Math.max(0, bytes.length - Number(range[2]));
          end = bytes.length - 1;
        } else {
          start = Number(range[1]);
          end = range[2] === "" ? bytes.length - 1 : Math.min(Number(range[2]), bytes.length - 1);
        }
        if (start >= bytes.length || start > end) {
          return send(416, { "content-range": `bytes */${bytes.length}` }, "");
        }
        return send(
          206,
          {
            "content-type": "application/octet-stream",
            "content-range": `bytes ${start}-${end}/${bytes.length}`,
            "accept-ranges": "bytes",
          },
          bytes.subarray(start, end + 1),
        );
      }
      if (behaviour.truncate) return sendCacheable("application/octet-stream", bytes);
      return send(200, { "content-type": "application/octet-stream", "accept-ranges": "bytes" }, bytes);
    }
    send(404, { "content-type": "text/plain" }, "not found");
  };

  const server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  server.on("connection", (socket) => {
    connectionCount++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    indexUrl: `${origin}/simple`,
    htmlIndexUrl: `${origin}/html/simple`,
    jsonIndexUrl: `${origin}/json/simple`,
    fileUrl: (filename) => `${origin}/files/${encodeURIComponent(filename)}`,
    requests,
    get connectionCount() {
      return connectionCount;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    setBehaviour(path, behaviour) {
      counters.delete(path);
      if (behaviour) behaviours.set(path, behaviour);
      else behaviours.delete(path);
    },
    setProjects(next) {
      projects = new Map(next.map((p) => [normalizeName(p.project), p]));
      indexFiles();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The same projects as a static PEP 503 tree on disk (`<dir>/simple/<name>/index.html`,
 * `<dir>/files/...`), the layout of a local file:// mirror. Returns the file:// URL of `simple`.
 */
export function writeFileIndex(dir: string, projects: ServedProject[], options: PageOptions = {}): string {
  const filesDir = join(dir, "files");
  mkdirSync(filesDir, { recursive: true });
  for (const project of projects) {
    const pageDir = join(dir, "simple", normalizeName(project.project));
    mkdirSync(pageDir, { recursive: true });
    writeFileSync(join(pageDir, "index.html"), renderHtmlPage(project, options));
    for (const f of project.files) {
      writeFileSync(join(filesDir, f.filename), f.bytes);
      if (f.metadata !== undefined) writeFileSync(join(filesDir, `${f.filename}.metadata`), f.metadata);
    }
  }
  return pathToFileURL(join(dir, "simple")).toString();
}
