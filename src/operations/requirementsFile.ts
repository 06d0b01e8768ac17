import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { errnoCode, OmnipkgError } from "../core/errors.ts";

/**
 * pip's requirements-file format, the parts people use: one requirement per line, `#` comments
 * (a `#` starts a comment only at the start or after whitespace, so URL fragments survive),
 * backslash continuations, nested `-r`/`--requirement` and `-c`/`--constraint` (relative to the
 * including file). Index options inside files are refused with a clear message rather than
 * silently ignored.
 */
export interface RequirementLines {
  requirements: { text: string; origin: string }[];
  constraints: { text: string; origin: string }[];
}

export function readRequirementFiles(
  files: string[],
  kind: "requirements" | "constraints",
  out: RequirementLines = { requirements: [], constraints: [] },
  seen = new Set<string>(),
): RequirementLines {
  for (const file of files) {
    const path = resolve(file);
    if (seen.has(path)) continue;
    seen.add(path);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      const why = errnoCode(error) === "ENOENT" ? "it does not exist" : String(errnoCode(error) ?? error);
      throw new OmnipkgError("REQUIREMENTS_FILE", `Cannot read the ${kind} file ${file}: ${why}.`, {
        exitCode: 2,
      });
    }
    const joined = text.replace(/\\\r?\n/g, "");
    joined.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.replace(/(^|\s)#.*$/, "").trim();
      if (!line) return;
      const origin = `${file}:${i + 1}`;
      const nested = /^(-r|--requirement|-c|--constraint)(?:\s+|=)(.+)$/.exec(line);
      if (nested) {
        const target = resolve(dirname(path), nested[2]!.trim());
        const nestedKind = nested[1] === "-c" || nested[1] === "--constraint" ? "constraints" : kind;
        readRequirementFiles([target], nestedKind, out, seen);
        return;
      }
      if (line.startsWith("-")) {
        throw new OmnipkgError("REQUIREMENTS_FILE", `Unsupported option in ${origin}: "${line}".`, {
          hint: "Pass index options on the command line (--index-url, --extra-index-url, --find-links).",
          exitCode: 2,
        });
      }
      (kind === "constraints" ? out.constraints : out.requirements).push({ text: line, origin });
    });
  }
  return out;
}
