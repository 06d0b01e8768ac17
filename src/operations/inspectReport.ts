import { relative } from "node:path";
import { formatBytes, formatTable, paint } from "../core/output.ts";
import type { BubbleSummary, PackageInfo, PackageListing } from "./inspectEnv.ts";
import type { CheckReport } from "./inspectCheck.ts";

/**
 * Human text for `omnipkg list`, `info` and `check` (the `--json` forms print the engine's data as
 * is). Layout after uv/pip: an aligned table, then a "Bubbles" section with real bytes.
 */

function bubbleContents(bubble: BubbleSummary): string {
  const own = bubble.dists.filter((d) => d.location === "bubble").map((d) => `${d.name} ${d.version}`);
  const fromMain = bubble.dists.length - own.length;
  return own.join(", ") + (fromMain > 0 ? ` (+${fromMain} from main)` : "");
}

function renderBubbles(listing: PackageListing): string[] {
  if (listing.bubbles.length === 0) return [];
  const rows = [["Bubble", "Path", "Size", "Shared", "Contents"]];
  for (const b of listing.bubbles) {
    const name = `${b.name}==${b.version}`;
    const contents = bubbleContents(b) + (b.stale.length > 0 ? ` ${paint("yellow", "[stale]")}` : "");
    rows.push([name, b.relativePath, formatBytes(b.sizeBytes), formatBytes(b.sharedBytes), contents]);
  }
  const [header, ...body] = formatTable(rows).split("\n");
  const total = listing.bubbles.reduce((sum, b) => sum + b.sizeBytes, 0);
  const shared = listing.bubbles.reduce((sum, b) => sum + b.sharedBytes, 0);
  return [
    "",
    paint("bold", "Bubbles"),
    paint("dim", header!),
    ...body,
    paint(
      "dim",
      `${listing.bubbles.length} bubble(s): ${formatBytes(total)}, of which ${formatBytes(shared)} shared with the store, main or other bubbles`,
    ),
  ];
}

export function renderListing(listing: PackageListing): string {
  const bubbledCount = new Map<string, number>();
  for (const b of listing.bubbles) {
    for (const d of b.dists) {
      if (d.location !== "bubble") continue;
      const key = d.name.toLowerCase().replace(/[-_.]+/g, "-");
      bubbledCount.set(key, (bubbledCount.get(key) ?? 0) + 1);
    }
  }
  const lines: string[] = [];
  if (listing.packages.length === 0) lines.push(`No packages installed in ${listing.envDir}.`);
  else {
    const rows = [["Package", "Version", "Location"]];
    for (const p of listing.packages) {
      const extra = bubbledCount.get(p.name.toLowerCase().replace(/[-_.]+/g, "-"));
      const where = p.editableProject ?? "main";
      rows.push([p.name, p.version, extra ? `${where} (+${extra} bubbled)` : where]);
    }
    const [header, ...body] = formatTable(rows).split("\n");
    lines.push(paint("dim", header!), ...body);
  }
  lines.push(...renderBubbles(listing));
  return lines.join("\n") + "\n";
}

function sizeText(v: { files: number; sizeBytes: number; sharedBytes: number }): string {
  return `${v.files} (${formatBytes(v.sizeBytes)}, ${formatBytes(v.sharedBytes)} shared)`;
}

export function renderInfo(info: PackageInfo, envDir: string): string {
  const lines: string[] = [];
  const a = info.active;
  if (a) {
    lines.push(
      `Name: ${a.name}`,
      `Version: ${a.version} ${paint("green", "(active)")}`,
      `Summary: ${a.summary ?? ""}`,
      `Requires-Python: ${a.requiresPython ?? ""}`,
      `Requires: ${a.requires.join(", ")}`,
      `Required-by: ${a.requiredBy.join(", ")}`,
      `Location: ${a.location}`,
      `Installer: ${a.installer ?? ""}`,
      `Requested: ${a.requested ? "yes" : "no"}`,
      `Files: ${sizeText(a)}`,
    );
    if (a.neededByBubbles.length > 0) lines.push(`Used by bubbles: ${a.neededByBubbles.join(", ")}`);
  } else {
    lines.push(`Name: ${info.name}`, `Version: ${paint("yellow", "not in main")} (bubbles only)`);
  }
  if (info.bubbled.length > 0) {
    lines.push("", paint("bold", "Bubbled versions"));
    const rows = [["Version", "Bubble", "Path", "Files", "Bubble size", "Shared"]];
    for (const b of info.bubbled) {
      rows.push([
        b.version,
        `${b.bubble.name}==${b.bubble.version}`,
        relative(envDir, b.bubble.path),
        String(b.files),
        formatBytes(b.bubble.sizeBytes),
        formatBytes(b.bubble.sharedBytes),
      ]);
    }
    const [header, ...body] = formatTable(rows).split("\n");
    lines.push(paint("dim", header!), ...body);
  }
  return lines.join("\n") + "\n";
}

/** stdout lines as pip check prints them; metadata errors go to stderr, as pip's warnings do. */
export function renderCheck(report: CheckReport): { stdout: string; stderr: string } {
  const out: string[] = [];
  const err: string[] = [];
  for (const p of report.problems) {
    if (p.kind === "invalid-metadata") err.push(`warning: ${p.message}`);
    else out.push(p.message);
  }
  if (report.ok) out.push("No broken requirements found.");
  return {
    stdout: out.length > 0 ? out.join("\n") + "\n" : "",
    stderr: err.length > 0 ? err.join("\n") + "\n" : "",
  };
}
