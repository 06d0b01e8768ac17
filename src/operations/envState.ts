import { basename } from "node:path";
import { listDistsIn, listInstalled, type InstallScheme } from "../install/index.ts";
import type { BubbleState, EnvState, StateDist } from "../kb/index.ts";
import { listBubbles } from "../bubbles/bubbleManifest.ts";
import { canonicalizeName } from "../standards/index.ts";

/**
 * The state of an environment as it is on disk: main's distributions and every published bubble,
 * each with the wheel it came from when omnipkg installed it. Read from disk rather than from the
 * knowledge base, so a revision's snapshot is the truth even when the KB had drifted.
 */
export function readEnvState(scheme: InstallScheme): EnvState {
  const main: StateDist[] = listInstalled(scheme)
    .map((d) => ({ name: d.canonicalName, version: d.version, wheelSha256: d.wheelSha256 ?? null }))
    .sort(byName);
  const bubbles: BubbleState[] = listBubbles(scheme.envDir).map(({ dir, manifest }) => {
    // Older manifests lack wheel_sha256: the bubble's own dist-info folders still name the wheel.
    const wheels = new Map(listDistsIn(dir).map((d) => [d.canonicalName, d.wheelSha256 ?? null]));
    return {
      folder: basename(dir),
      name: canonicalizeName(manifest.name),
      version: manifest.version,
      dists: manifest.dists
        .map((d) => {
          const name = canonicalizeName(d.name);
          return {
            name,
            version: d.version,
            wheelSha256: d.location === "bubble" ? (d.wheel_sha256 ?? wheels.get(name) ?? null) : null,
            location: d.location,
            topLevel: d.top_level,
          };
        })
        .sort(byName),
    };
  });
  return { main, bubbles };
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** `name==version` of the distributions whose files a bubble holds: what makes two bubbles equal. */
export function bubbleKey(bubble: BubbleState): string {
  return bubble.dists
    .filter((d) => d.location === "bubble")
    .map((d) => `${d.name}==${d.version}`)
    .join(" ");
}
