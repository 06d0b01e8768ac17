import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { fsyncDir, writeFileAtomic } from "../core/atomicFs.ts";
import { installWheels, type InstallScheme } from "../install/index.ts";
import type { Linker, Store, WheelManifest } from "../store/index.ts";
import {
  BUBBLE_MANIFEST,
  bubbleFolderName,
  bubblesDir,
  importFacts,
  type BubbleDist,
  type BubbleManifest,
} from "./bubbleManifest.ts";

/**
 * Publish a bubble atomically (src/runtime/README.md, "Writing rules"): build it in
 * `bubbles/.tmp-*`, files linked from the store, manifest written last, then one rename. Scripts,
 * headers and data files are not part of a bubble (the loader only imports), so they go to a
 * scratch folder that is deleted.
 */
export interface BubbleContent {
  /** Canonical name and version of the root distribution. */
  name: string;
  version: string;
  /** Distributions whose files go into the bubble. */
  inBubble: WheelManifest[];
  /** Distributions of the resolution taken from main, with their main versions. */
  fromMain: { name: string; version: string; manifest?: WheelManifest; topLevel?: string[] }[];
}

export function bubbleScheme(envScheme: InstallScheme, dir: string, scratch: string): InstallScheme {
  return {
    ...envScheme,
    purelib: dir,
    platlib: dir,
    scripts: join(scratch, "bin"),
    headersRoot: join(scratch, "include"),
    data: join(scratch, "data"),
  };
}

export function createBubble(
  store: Store,
  envScheme: InstallScheme,
  content: BubbleContent,
  options: { linker?: Linker; replace?: boolean } = {},
): string {
  const root = bubblesDir(envScheme.envDir);
  const finalDir = join(root, bubbleFolderName(content.name, content.version));
  const unique = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const staging = join(root, `.tmp-${unique}`);
  const scratch = join(root, `.scratch-${unique}`);
  mkdirSync(staging, { recursive: true });
  try {
    const scheme = bubbleScheme(envScheme, staging, scratch);
    installWheels(
      store,
      scheme,
      content.inBubble.map((manifest) => ({ manifest, requested: manifest.name === content.name })),
      options.linker ? { linker: options.linker } : {},
    );
    const dists: BubbleDist[] = [
      ...content.inBubble.map((m) => {
        const facts = importFacts(m);
        return {
          name: metadataName(store, m),
          version: m.version,
          location: "bubble" as const,
          top_level: facts.topLevel,
          has_extensions: facts.hasExtensions,
          wheel_sha256: m.sha256,
        };
      }),
      ...content.fromMain.map((d) => {
        const facts = d.manifest
          ? importFacts(d.manifest)
          : { topLevel: d.topLevel ?? [], hasExtensions: false };
        return {
          name: d.name,
          version: d.version,
          location: "main" as const,
          top_level: facts.topLevel,
          has_extensions: facts.hasExtensions,
        };
      }),
    ];
    const manifest: BubbleManifest = {
      format: 1,
      name: dists.find((d) => sameName(d.name, content.name))?.name ?? content.name,
      version: content.version,
      python: envScheme.pythonVersion,
      created: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      dists,
    };
    writeFileAtomic(join(staging, BUBBLE_MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
    fsyncDir(staging);
    if (existsSync(finalDir)) {
      if (!options.replace) {
        rmSync(staging, { recursive: true, force: true });
        return finalDir;
      }
      const trash = join(root, `.trash-${unique}`);
      renameSync(finalDir, trash);
      renameSync(staging, finalDir);
      rmSync(trash, { recursive: true, force: true });
    } else {
      renameSync(staging, finalDir);
    }
    fsyncDir(root);
    return finalDir;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Remove a published bubble: rename to trash first so readers never see half of it. */
export function removeBubble(dir: string): void {
  const trash = join(dir, "..", `.trash-${process.pid}-${randomBytes(4).toString("hex")}`);
  renameSync(dir, trash);
  rmSync(trash, { recursive: true, force: true });
}

/** The project name as METADATA spells it (the dist-info folder name is the escaped form). */
function metadataName(store: Store, manifest: WheelManifest): string {
  const entry = manifest.files.find((f) => f.path === `${manifest.distInfo}/METADATA`);
  if (!entry) return manifest.name;
  const match = /^Name:\s*(.+?)\s*$/im.exec(
    readFileSync(store.filePath(entry.sha256), "utf8").split(/\r?\n\r?\n/, 1)[0]!,
  );
  return match?.[1] ?? manifest.name;
}

function sameName(a: string, b: string): boolean {
  const n = (s: string) => s.toLowerCase().replace(/[-_.]+/g, "-");
  return n(a) === n(b);
}
