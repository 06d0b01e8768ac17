import { existsSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { OmnipkgError } from "../core/errors.ts";
import {
  canonicalizeName,
  parseRequirement,
  parseWheelFilename,
  Requirement,
  SpecifierSet,
} from "../standards/index.ts";
import type { DistCandidate } from "./indexProvider.ts";

/**
 * Turn command-line words into requirements. A word that names a local wheel file
 * (`./dist/x-1.0-py3-none-any.whl`) becomes `x @ file:///abs/x-1.0-py3-none-any.whl`, as pip
 * accepts; `name @ file://...whl` and `name @ https://...whl` are direct URL requirements. Each
 * direct requirement gets its one candidate, carrying the PEP 610 direct_url.json to record.
 */
export interface DirectCandidate extends DistCandidate {
  /** Local file path of the wheel (file: URLs). */
  readonly localPath?: string;
  readonly directUrl: object;
}

export interface ParsedRoots {
  requirements: Requirement[];
  direct: Map<string, DirectCandidate>;
}

/** `#sha256=<hex>` (pip's form, one hash) from a URL's fragment; other algorithms are ignored. */
function fragmentHashes(url: string): { sha256?: string } {
  const match = /#(?:.*&)?sha256=([0-9a-f]{64})(?:&|$)/i.exec(url);
  return match ? { sha256: match[1]!.toLowerCase() } : {};
}

/** PEP 610 archive_info: `hashes` plus the deprecated `hash` that older readers (pip < 23) use. */
function archiveInfo(sha256: string | undefined): object {
  return sha256 ? { hash: `sha256=${sha256}`, hashes: { sha256 } } : {};
}

/**
 * The direct_url.json to record once the wheel is in hand: the URL without its fragment (PEP 610
 * keeps hashes in archive_info) and the hash of the bytes actually installed, which the store
 * verified, so a URL given without `#sha256=` is still recorded with one.
 */
export function directUrlRecord(candidate: DirectCandidate, wheelSha256: string): object {
  const record = candidate.directUrl as { url: string };
  return { url: record.url, archive_info: archiveInfo(wheelSha256) };
}

/** PEP 508's project name; a requirement that is only a name needs no parser. */
const BARE_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/**
 * `parseRequirement`, built directly for a bare name ("pandas"), which is most of what is typed:
 * the PEP 508 parser's first calls in a process cost a couple of milliseconds of a warm install.
 * The result is the one the parser gives; anything else (and every error) goes through the parser.
 */
export function parseRootRequirement(text: string): Requirement {
  if (!BARE_NAME.test(text)) return parseRequirement(text);
  return new Requirement({
    name: text,
    extras: [],
    specifier: new SpecifierSet(""),
    url: null,
    marker: null,
  });
}

function looksLikePath(word: string): boolean {
  return word.endsWith(".whl") && !word.includes(" @ ") && (word.includes("/") || existsSync(word));
}

export function parseRoots(words: { text: string; origin: string }[]): ParsedRoots {
  const requirements: Requirement[] = [];
  const direct = new Map<string, DirectCandidate>();
  for (const { text, origin } of words) {
    let requirementText = text;
    if (looksLikePath(text)) {
      const path = resolve(text);
      if (!existsSync(path) || !statSync(path).isFile()) {
        throw new OmnipkgError("NO_SUCH_FILE", `The wheel ${text} (${origin}) does not exist.`, {
          exitCode: 1,
        });
      }
      const wheel = parseWheelFilename(basename(path));
      requirementText = `${wheel.name} @ ${pathToFileURL(path).href}`;
    }
    const req = parseRootRequirement(requirementText);
    requirements.push(req);
    if (req.url === null) continue;
    if (!/\.whl(#.*)?$/.test(req.url)) {
      throw new OmnipkgError(
        "UNSUPPORTED_URL",
        `Only wheel files can be installed from a URL or path for now; "${text}" is not a .whl.`,
        { exitCode: 1 },
      );
    }
    const url = req.url.replace(/#.*$/, "");
    const filename = decodeURIComponent(url.split("/").pop()!);
    const wheel = parseWheelFilename(filename);
    if (canonicalizeName(req.name) !== wheel.name) {
      throw new OmnipkgError(
        "INCONSISTENT_NAME",
        `"${text}" (${origin}) names ${req.name}, but the wheel ${filename} is ${wheel.name}.`,
        { hint: `Write it as ${wheel.name} @ ${req.url}.`, exitCode: 1 },
      );
    }
    const isFile = url.startsWith("file:");
    const hashes = fragmentHashes(req.url);
    const candidate: DirectCandidate = {
      name: wheel.name,
      version: String(wheel.version),
      url: req.url,
      kind: "direct",
      file: isFile
        ? undefined
        : {
            filename,
            url,
            hashes,
            requiresPython: undefined,
            yanked: false,
            coreMetadata: false,
            uploadTime: undefined,
            size: undefined,
            index: "direct URL",
          },
      ...(isFile ? { localPath: fileURLToPath(url) } : {}),
      directUrl: { url, archive_info: archiveInfo(hashes.sha256) },
    };
    direct.set(wheel.name, candidate);
  }
  return { requirements, direct };
}
