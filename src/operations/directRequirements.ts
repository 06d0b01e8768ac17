import { existsSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { OmnipkgError } from "../core/errors.ts";
import { parseRequirement, parseWheelFilename, type Requirement } from "../standards/index.ts";
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
    const req = parseRequirement(requirementText);
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
    const isFile = url.startsWith("file:");
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
            hashes: /#sha256=([0-9a-f]{64})/i.exec(req.url)
              ? { sha256: /#sha256=([0-9a-f]{64})/i.exec(req.url)![1]!.toLowerCase() }
              : {},
            requiresPython: undefined,
            yanked: false,
            coreMetadata: false,
            uploadTime: undefined,
            size: undefined,
            index: "direct URL",
          },
      ...(isFile ? { localPath: fileURLToPath(url) } : {}),
      directUrl: isFile ? { url, archive_info: {} } : { url: req.url, archive_info: {} },
    };
    direct.set(wheel.name, candidate);
  }
  return { requirements, direct };
}
