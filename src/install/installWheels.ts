import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import {
  canonicalName,
  createLinker,
  quoteField,
  recordHashesFromHex,
  type Linker,
  type Store,
  type WheelManifest,
} from "../store/index.ts";
import { listInstalled, readMetadataNameVersion, type InstalledDist } from "./distInfo.ts";
import { filesOfDist } from "./distFiles.ts";
import { unsupportedWheel } from "./errors.ts";
import type { InstallScheme } from "./scheme.ts";
import { startLinkHelper, type LinkFolder, type LinkHelper } from "./parallelLinks.ts";
import { launcherScript, parseEntryPoints, rewriteShebang } from "./scripts.ts";
import {
  prepareStaging,
  runTransaction,
  stagedFolderMaker,
  stagingDir,
  withEnvTransaction,
  type StagedPut,
  type TransactionHooks,
} from "./transaction.ts";

/**
 * Install stored wheels into an environment (PEP 427/491 layout, PEP 376/627 metadata, PEP 610
 * direct_url.json) as one transaction. Files are linked from the store; the files the installer
 * writes itself (RECORD, INSTALLER, REQUESTED, direct_url.json, omnipkg_wheel, rewritten scripts
 * and launchers) are written, never linked, so editing them can never reach the shared store copy.
 * An installed version of the same project is replaced in the same transaction (an upgrade or a
 * reinstall), through its RECORD.
 */

export interface InstallItem {
  manifest: WheelManifest;
  /** The user asked for it by name (PEP 376 REQUESTED), rather than as a dependency. */
  requested: boolean;
  /** PEP 610 direct_url.json content for URL and path installs. */
  directUrl?: object;
}

export interface InstallOptions {
  linker?: Linker;
  warn?: (message: string) => void;
  hooks?: TransactionHooks;
}

export interface InstallResult {
  installed: Array<{ name: string; version: string }>;
  removed: Array<{ name: string; version: string }>;
}

const INSTALLER_WRITTEN = new Set(["RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "omnipkg_wheel"]);
const DATA_KEYS = new Set(["purelib", "platlib", "scripts", "headers", "data"]);

function readWheelInfo(store: Store, manifest: WheelManifest): { rootIsPurelib: boolean } {
  const wheelFile = manifest.files.find((f) => f.path === `${manifest.distInfo}/WHEEL`);
  if (!wheelFile) throw unsupportedWheel(manifest.filename, "it has no WHEEL file");
  const fields = new Map<string, string>();
  for (const line of readFileSync(store.filePath(wheelFile.sha256), "utf8").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const version = /^(\d+)\.(\d+)/.exec(fields.get("wheel-version") ?? "");
  if (!version) throw unsupportedWheel(manifest.filename, "its WHEEL file has no Wheel-Version");
  if (Number(version[1]) > 1) {
    throw unsupportedWheel(
      manifest.filename,
      `it uses Wheel-Version ${fields.get("wheel-version")}, and only 1.x is supported`,
    );
  }
  return { rootIsPurelib: (fields.get("root-is-purelib") ?? "").toLowerCase() === "true" };
}

function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * A put that links one store file: an object with methods rather than two closures per file
 * (thousands of files per install). The store path is made when the file is staged, not kept.
 */
class LinkPut implements StagedPut {
  constructor(
    readonly dest: string,
    readonly mode: number,
    private readonly store: Store,
    private readonly sha256: string,
    private readonly linker: Linker,
  ) {}
  stage(staged: string): void {
    this.linker.linkFile(this.store.filePath(this.sha256), staged, this.mode);
  }
  storeSource(): string {
    return this.store.filePath(this.sha256);
  }
}

/** Build the staged puts of one wheel and the RECORD describing them. */
function planWheel(
  store: Store,
  scheme: InstallScheme,
  item: InstallItem,
  linker: Linker,
  projectName: string,
): StagedPut[] {
  const { manifest } = item;
  const { rootIsPurelib } = readWheelInfo(store, manifest);
  const root = rootIsPurelib ? scheme.purelib : scheme.platlib;
  const distInfoDir = join(root, manifest.distInfo);
  const distInfoPrefix = manifest.distInfo + "/";
  const dataPrefix = manifest.distInfo.replace(/\.dist-info$/, ".data") + "/";
  const puts: StagedPut[] = [];
  // RECORD columns, turned into text at the end (the hashes all at once: recordHashesFromHex).
  const recordPaths: string[] = [];
  const recordHexes: string[] = [];
  const recordSizes: number[] = [];
  // Slicing, not path.relative (which resolves both paths: a visible cost over numpy's 1,500 files).
  const recordPath = (dest: string): string =>
    (dest.startsWith(root + sep) ? dest.slice(root.length + 1) : relative(root, dest)).split(sep).join("/");
  const writeBytes = (dest: string, data: Buffer, mode: number): void => {
    puts.push({
      dest,
      bytes: data,
      mode,
      stage: (staged) => writeFileSync(staged, data, { mode, flag: "wx" }),
    });
    recordPaths.push(recordPath(dest));
    recordHexes.push(sha256Hex(data));
    recordSizes.push(data.length);
  };
  const posixRoot = sep === "/" && !root.endsWith("/");
  for (const file of manifest.files) {
    let dest: string;
    let recorded: string | undefined;
    let isScript = false;
    if (file.path.startsWith(dataPrefix)) {
      const [key = "", ...rest] = file.path.slice(dataPrefix.length).split("/");
      if (!DATA_KEYS.has(key) || rest.length === 0) {
        throw unsupportedWheel(manifest.filename, `${file.path} is in an unknown .data folder "${key}"`);
      }
      const base =
        key === "purelib"
          ? scheme.purelib
          : key === "platlib"
            ? scheme.platlib
            : key === "scripts"
              ? scheme.scripts
              : key === "headers"
                ? join(scheme.headersRoot, projectName)
                : scheme.data;
      dest = join(base, ...rest);
      isScript = key === "scripts";
    } else {
      if (
        file.path.startsWith(distInfoPrefix) &&
        INSTALLER_WRITTEN.has(file.path.slice(distInfoPrefix.length))
      )
        continue;
      // Manifest paths were checked on import (relative, no "..", no empty segments), so on POSIX
      // plain concatenation is what join() would return, without normalizing 3,500 paths.
      dest = posixRoot ? `${root}/${file.path}` : join(root, ...file.path.split("/"));
      recorded = file.path;
    }
    if (isScript) {
      writeBytes(dest, rewriteShebang(readFileSync(store.filePath(file.sha256)), scheme.python), 0o755);
      continue;
    }
    puts.push(new LinkPut(dest, file.mode, store, file.sha256, linker));
    recordPaths.push(recorded ?? recordPath(dest));
    recordHexes.push(file.sha256);
    recordSizes.push(file.size);
  }
  const entryPointsFile = manifest.files.find((f) => f.path === `${manifest.distInfo}/entry_points.txt`);
  if (entryPointsFile) {
    const text = readFileSync(store.filePath(entryPointsFile.sha256), "utf8");
    for (const entry of parseEntryPoints(manifest.filename, text)) {
      writeBytes(join(scheme.scripts, entry.name), Buffer.from(launcherScript(scheme.python, entry)), 0o755);
    }
  }
  writeBytes(join(distInfoDir, "INSTALLER"), Buffer.from("omnipkg\n"), 0o644);
  if (item.requested) writeBytes(join(distInfoDir, "REQUESTED"), Buffer.alloc(0), 0o644);
  if (item.directUrl)
    writeBytes(join(distInfoDir, "direct_url.json"), Buffer.from(JSON.stringify(item.directUrl)), 0o644);
  writeBytes(join(distInfoDir, "omnipkg_wheel"), Buffer.from(manifest.sha256 + "\n"), 0o644);
  const recordDest = join(distInfoDir, "RECORD");
  const recordSelf = recordPath(recordDest);
  // Made when staged (a bulk install stages such puts on this thread while the helper thread
  // links), not before the links can start: ~2 ms for 4,700 rows.
  puts.push({
    dest: recordDest,
    stage: (staged) => {
      // The formatRecord format, written column-wise: hashes and sizes never need CSV quoting.
      const hashes = recordHashesFromHex(recordHexes);
      let text = "";
      for (let i = 0; i < recordPaths.length; i++)
        text += `${quoteField(recordPaths[i]!)},${hashes[i]!},${recordSizes[i]!}\n`;
      text += `${quoteField(recordSelf)},,\n`;
      writeFileSync(staged, text, { mode: 0o644, flag: "wx" });
    },
  });
  return puts;
}

/** The staged folders of these puts, each once (puts come folder by folder: compare with the last). */
function foldersOf(puts: StagedPut[], stagedFolderOf: (folder: string) => string | undefined): string[] {
  const folders: string[] = [];
  const seen = new Set<string>();
  let last = "";
  for (const put of puts) {
    const dest = put.dest;
    if (
      last !== "" &&
      dest[last.length] === sep &&
      dest.startsWith(last) &&
      !dest.includes(sep, last.length + 1)
    )
      continue;
    const folder = dirname(dest);
    if (seen.has(folder)) {
      last = folder;
      continue;
    }
    last = folder;
    seen.add(folder);
    const staged = stagedFolderOf(folder);
    if (staged !== undefined) folders.push(staged);
  }
  return folders;
}

function metadataName(store: Store, manifest: WheelManifest): string {
  const file = manifest.files.find((f) => f.path === `${manifest.distInfo}/METADATA`);
  const name = file ? readMetadataNameVersion(store.filePath(file.sha256))?.name : undefined;
  return name ?? manifest.name;
}

export function installWheels(
  store: Store,
  scheme: InstallScheme,
  items: InstallItem[],
  options: InstallOptions = {},
): InstallResult {
  const linker = options.linker ?? createLinker({ warn: options.warn });
  // Started first, so the helper thread boots while the main thread plans.
  const helper = options.hooks?.afterStep
    ? undefined
    : startLinkHelper(items.reduce((n, item) => n + item.manifest.files.length, 0));
  try {
    return installLocked(store, scheme, items, options, linker, helper);
  } finally {
    helper?.close();
  }
}

function installLocked(
  store: Store,
  scheme: InstallScheme,
  items: InstallItem[],
  options: InstallOptions,
  linker: Linker,
  helper: LinkHelper | undefined,
): InstallResult {
  return withEnvTransaction(scheme, () => {
    const installed = listInstalled(scheme);
    const replaced: InstalledDist[] = [];
    const puts: StagedPut[] = [];
    const result: InstallResult = { installed: [], removed: [] };
    // With a helper thread, the staging folder is made first and the helper makes each wheel's
    // staged folders as soon as the wheel is planned, while the next ones are.
    const stagedFolderOf = helper ? stagedFolderMaker(scheme) : undefined;
    if (helper) prepareStaging(scheme);
    try {
      for (const item of items) {
        const projectName = metadataName(store, item.manifest);
        const name = canonicalName(projectName);
        for (const dist of installed)
          if (dist.canonicalName === name && !replaced.includes(dist)) replaced.push(dist);
        const planned = planWheel(store, scheme, item, linker, projectName);
        for (const put of planned) puts.push(put);
        if (helper) helper.makeFolders(foldersOf(planned, stagedFolderOf!));
        result.installed.push({ name: projectName, version: item.manifest.version });
      }
    } catch (error) {
      if (helper) {
        helper.close();
        rmSync(stagingDir(scheme), { recursive: true, force: true });
      }
      throw error;
    }
    const putDests = new Set(puts.map((p) => p.dest));
    const removes = replaced
      .flatMap((dist) => filesOfDist(scheme, dist))
      .filter((path) => !putDests.has(path));
    result.removed = replaced.map((d) => ({ name: d.name, version: d.version }));
    // Bulk staging needs distinct destinations: with two puts of one path the last one must win.
    const stageLinks =
      helper && putDests.size === puts.length
        ? (folders: LinkFolder[], alongside: () => void) => helper.stage(folders, linker, alongside)
        : undefined;
    runTransaction(
      scheme,
      {
        puts,
        removes,
        ...(stageLinks ? { stageLinks } : {}),
        ...(helper ? { prepared: true, quiesce: () => helper.close() } : {}),
      },
      options.hooks,
    );
    return result;
  });
}
