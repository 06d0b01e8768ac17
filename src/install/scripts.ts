import { unsupportedWheel } from "./errors.ts";

/**
 * Console and GUI launchers (entry_points.txt) and `#!python` shebang rewriting (PEP 427/491).
 *
 * Traps:
 * - The kernel reads at most ~127 bytes of a shebang and splits nothing, so an interpreter path
 *   with a space or a long path cannot go after `#!`; then the script starts as a `/bin/sh`
 *   polyglot that re-executes itself with the interpreter (the line is a no-op string in Python).
 * - PEP 427 rewrites a first line that starts with `#!python` (`#!pythonw`, `#!python3.11` too);
 *   arguments after a space are kept. `#!/usr/bin/env python` is left alone, as pip does.
 * - Entry-point values become Python source, so module and attribute names are checked to be dotted
 *   identifiers: a wheel cannot smuggle code into a launcher. Extras (`[extra]`) are ignored.
 */

export interface EntryPoint {
  group: "console_scripts" | "gui_scripts";
  name: string;
  module: string;
  attrs: string[];
}

const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function parseEntryPoints(wheel: string, text: string): EntryPoint[] {
  const out: EntryPoint[] = [];
  let group: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      group = section[1]!.trim();
      continue;
    }
    if (group !== "console_scripts" && group !== "gui_scripts") continue;
    const eq = line.indexOf("=");
    if (eq === -1) continue;
    const name = line.slice(0, eq).trim();
    const value = line
      .slice(eq + 1)
      .replace(/\[.*\]\s*$/, "")
      .trim();
    const [module = "", attr = ""] = value.split(":").map((s) => s.trim());
    if (name === "" || name === "." || name === ".." || /[/\\\0]/.test(name)) {
      throw unsupportedWheel(
        wheel,
        `the entry point name ${JSON.stringify(name)} is not a valid script name`,
      );
    }
    if (!DOTTED.test(module) || !DOTTED.test(attr)) {
      throw unsupportedWheel(
        wheel,
        `the entry point ${name} = ${JSON.stringify(value)} is not "module:attribute"`,
      );
    }
    out.push({ group, name, module, attrs: attr.split(".") });
  }
  return out;
}

export function shebangFor(python: string, args = ""): string {
  const line = `#!${python}${args}`;
  if (!python.includes(" ") && Buffer.byteLength(line) <= 127) return line + "\n";
  return `#!/bin/sh\n'''exec' "${python}"${args} "$0" "$@"\n' '''\n`;
}

export function launcherScript(python: string, entry: EntryPoint): string {
  const [first, ...rest] = entry.attrs;
  const call = [first, ...rest].join(".");
  return (
    shebangFor(python) +
    `# ${entry.group} launcher written by omnipkg\n` +
    "import sys\n" +
    `from ${entry.module} import ${first}\n` +
    'if __name__ == "__main__":\n' +
    '    if sys.argv[0].endswith("-script.py"):\n' +
    '        sys.argv[0] = sys.argv[0][: -len("-script.py")]\n' +
    `    sys.exit(${call}())\n`
  );
}

/** Rewrite a `#!python`/`#!pythonw` first line to the environment's interpreter; other scripts unchanged. */
export function rewriteShebang(content: Buffer, python: string): Buffer {
  const match = /^#!python[^ \t\r\n]*([^\r\n]*)(\r?\n|$)/.exec(content.subarray(0, 256).toString("latin1"));
  if (!match) return content;
  const args = match[1] ?? "";
  return Buffer.concat([Buffer.from(shebangFor(python, args), "utf8"), content.subarray(match[0].length)]);
}
