import { mkdirSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, normalize, sep } from "node:path";
import { extract } from "tar";
import { OmnipkgError } from "../core/errors.ts";

/**
 * Unpack an sdist (.tar.gz) into `destDir` and return the project root inside it. An sdist is
 * untrusted: entries that are absolute, climb out with `..`, or are links pointing outside the tree
 * are refused, and devices/FIFOs are never created.
 */
export class UnsafeArchive extends OmnipkgError {
  constructor(archive: string, entry: string) {
    super(
      "UNSAFE_ARCHIVE",
      `The archive ${archive} contains an unsafe entry "${entry}"; it was not unpacked.`,
    );
  }
}

function escapes(path: string): boolean {
  if (isAbsolute(path)) return true;
  const n = normalize(path);
  return n === ".." || n.startsWith(`..${sep}`);
}

export async function extractSdist(archive: string, destDir: string): Promise<string> {
  if (!/\.(tar\.gz|tgz)$/i.test(archive)) {
    throw new OmnipkgError(
      "UNSUPPORTED_SDIST",
      `Only .tar.gz source distributions can be built; got ${archive}.`,
    );
  }
  mkdirSync(destDir, { recursive: true });
  let unsafe: string | undefined;
  await extract({
    file: archive,
    cwd: destDir,
    strict: true,
    preservePaths: false,
    filter: (path, entry) => {
      const type = "type" in entry ? entry.type : undefined;
      if (escapes(path)) unsafe ??= path;
      else if (type === "SymbolicLink" || type === "Link") {
        const target = "linkpath" in entry ? String(entry.linkpath ?? "") : "";
        const base = path.split("/").slice(0, -1).join("/");
        if (escapes(target) || escapes(join(base, target))) unsafe ??= `${path} -> ${target}`;
      } else if (
        type !== undefined &&
        type !== "File" &&
        type !== "OldFile" &&
        type !== "Directory" &&
        type !== "ContiguousFile"
      ) {
        unsafe ??= path;
      }
      return unsafe === undefined;
    },
  });
  if (unsafe !== undefined) throw new UnsafeArchive(archive, unsafe);
  const top = readdirSync(destDir).filter((name) => statSync(join(destDir, name)).isDirectory());
  if (top.length !== 1) {
    throw new OmnipkgError(
      "BAD_SDIST",
      `The sdist ${archive} should hold exactly one top-level folder; it holds ${top.length}.`,
    );
  }
  return join(destDir, top[0]!);
}
