import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { WheelManifest } from "../store/index.ts";

/**
 * The `.omnipkg-bubble.json` format defined in src/runtime/README.md (the loader reads it; this
 * side writes it). A bubble is `<env>/bubbles/<canonical-name>-<version>/`.
 */
export const BUBBLE_MANIFEST = ".omnipkg-bubble.json";

export interface BubbleDist {
  name: string;
  version: string;
  location: "bubble" | "main";
  top_level: string[];
  has_extensions: boolean;
  /** sha256 of the wheel it was installed from (omnipkg's addition; lets revert and swap skip downloads). */
  wheel_sha256?: string;
}

export interface BubbleManifest {
  format: 1;
  name: string;
  version: string;
  python: string;
  created: string;
  dists: BubbleDist[];
}

export interface Bubble {
  dir: string;
  manifest: BubbleManifest;
}

export function bubblesDir(envDir: string): string {
  return join(envDir, "bubbles");
}

export function bubbleFolderName(canonicalName: string, version: string): string {
  return `${canonicalName}-${version}`;
}

const EXTENSION_RE = /\.(so|pyd)$|\.cpython-[^/]*\.so$|\.abi3\.so$/;

/** Top-level import names and whether compiled extensions are present, from a wheel's file list. */
export function importFacts(manifest: WheelManifest): { topLevel: string[]; hasExtensions: boolean } {
  const names = new Set<string>();
  let hasExtensions = false;
  for (const file of manifest.files) {
    const first = file.path.split("/")[0]!;
    if (
      first.endsWith(".dist-info") ||
      first.endsWith(".data") ||
      first === "__pycache__" ||
      first.startsWith(".")
    ) {
      continue;
    }
    if (EXTENSION_RE.test(file.path)) hasExtensions = true;
    if (file.path.includes("/")) names.add(first);
    else if (first.endsWith(".py")) names.add(first.slice(0, -3));
    else if (EXTENSION_RE.test(first)) names.add(first.split(".")[0]!);
  }
  return { topLevel: [...names].sort(), hasExtensions };
}

export function readBubble(dir: string): Bubble | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, BUBBLE_MANIFEST), "utf8")) as BubbleManifest;
    if (manifest.format !== 1 || !Array.isArray(manifest.dists)) return undefined;
    return { dir, manifest };
  } catch {
    return undefined;
  }
}

/** Published bubbles of an environment (staging and trash folders start with "." and are skipped). */
export function listBubbles(envDir: string): Bubble[] {
  const root = bubblesDir(envDir);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => !name.startsWith("."))
    .map((name) => readBubble(join(root, name)))
    .filter((b): b is Bubble => b !== undefined)
    .sort((a, b) => (a.dir < b.dir ? -1 : 1));
}
