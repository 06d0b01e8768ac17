import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Wheels of the machine's local package mirror, discovered from pip's configuration
 * (`pip config list`, PIP_* variables): `file://` simple indexes and find-links folders only, so no
 * test reaches the network. Returns nothing when no local mirror is configured.
 */
export interface MirrorWheel {
  filename: string;
  path: string;
}

let sources: { indexes: string[]; findLinks: string[] } | undefined;

function configuredSources(python: string): { indexes: string[]; findLinks: string[] } {
  if (sources) return sources;
  const values: string[] = [];
  const push = (key: string, value: string | undefined): void => {
    if (value) for (const item of value.split(/\s+/)) if (item) values.push(`${key}=${item}`);
  };
  try {
    const out = execFileSync(python, ["-m", "pip", "config", "list"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 30_000,
    });
    for (const line of out.split("\n")) {
      const match = /^[^.]+\.([a-z-]+)='(.*)'$/.exec(line.trim());
      if (match) push(match[1]!, match[2]);
    }
  } catch {
    // no pip: environment variables only
  }
  push("index-url", process.env.PIP_INDEX_URL);
  push("extra-index-url", process.env.PIP_EXTRA_INDEX_URL);
  push("find-links", process.env.PIP_FIND_LINKS);
  const toPath = (value: string): string | undefined => {
    if (value.startsWith("file://")) return fileURLToPath(value);
    if (value.startsWith("/")) return value;
    return undefined;
  };
  const indexes = new Set<string>();
  const findLinks = new Set<string>();
  for (const entry of values) {
    const [key, value = ""] = entry.split(/=(.*)/s);
    const path = toPath(value);
    if (!path || !existsSync(path)) continue;
    if (key === "find-links") findLinks.add(path);
    else if (key === "index-url" || key === "extra-index-url") indexes.add(path);
  }
  sources = { indexes: [...indexes], findLinks: [...findLinks] };
  return sources;
}

/** All wheels of one project in the local mirror. */
export function mirrorWheels(python: string, project: string): MirrorWheel[] {
  const canonical = project.toLowerCase().replace(/[-_.]+/g, "-");
  const { indexes, findLinks } = configuredSources(python);
  const out = new Map<string, MirrorWheel>();
  for (const index of indexes) {
    const page = join(index, canonical, "index.html");
    if (!existsSync(page)) continue;
    for (const match of readFileSync(page, "utf8").matchAll(/href="([^"#]+\.whl)(#[^"]*)?"/g)) {
      const href = decodeURIComponent(match[1]!);
      const path = href.startsWith("file://") ? fileURLToPath(href) : resolve(dirname(page), href);
      const filename = path.split("/").pop()!;
      if (existsSync(path)) out.set(filename, { filename, path });
    }
  }
  for (const dir of findLinks) {
    if (!statSync(dir).isDirectory()) continue;
    for (const filename of readdirSync(dir)) {
      const name = filename
        .split("-")[0]!
        .toLowerCase()
        .replace(/[-_.]+/g, "-");
      if (filename.endsWith(".whl") && name === canonical)
        out.set(filename, { filename, path: join(dir, filename) });
    }
  }
  return [...out.values()];
}

/** The first mirror wheel of `project` whose file name matches `pattern` (e.g. py3-none-any or cp311). */
export function findMirrorWheel(python: string, project: string, pattern: RegExp): MirrorWheel | undefined {
  return mirrorWheels(python, project).find((w) => pattern.test(w.filename));
}

/** Project folders of the configured `file://` simple indexes (canonical names). */
export function mirrorProjects(python: string): string[] {
  const names = new Set<string>();
  for (const index of configuredSources(python).indexes) {
    for (const name of readdirSync(index)) if (existsSync(join(index, name, "index.html"))) names.add(name);
  }
  return [...names].sort();
}
