import { homeLayout } from "../core/home.ts";
import { openKnowledgeBase, type Revision } from "../kb/index.ts";
import { resolveTarget, type TargetOptions } from "./target.ts";

/**
 * `omnipkg history`: the numbered revisions of one environment, newest first. The snapshot each
 * revision keeps for revert is left out: it is for the machine, and large.
 */
export type HistoryEntry = Omit<Revision, "state" | "envId">;

export interface HistoryReport {
  environment: string;
  envId: string;
  revisions: HistoryEntry[];
}

export async function readHistory(
  target: TargetOptions,
  options: { limit?: number } = {},
): Promise<HistoryReport> {
  const layout = homeLayout();
  const kb = await openKnowledgeBase(layout);
  try {
    const env = await resolveTarget(layout, target, kb);
    const revisions = await kb.listRevisions(
      env.envId,
      options.limit === undefined ? {} : { limit: options.limit },
    );
    return {
      environment: env.label,
      envId: env.envId,
      revisions: revisions.map(({ state: _state, envId: _envId, ...rest }) => rest),
    };
  } finally {
    await kb.close();
  }
}

/** One line per change, as `history` prints them. */
export function describeRevision(r: HistoryEntry): string[] {
  const lines: string[] = [];
  for (const a of r.added) lines.push(`+ ${a.name} ${a.version}`);
  for (const c of r.changed) lines.push(`~ ${c.name} ${c.fromVersion ?? "?"} -> ${c.version}`);
  for (const x of r.removed)
    lines.push(x.bubble ? `- ${x.name} ${x.version} (bubble ${x.bubble})` : `- ${x.name} ${x.version}`);
  for (const m of r.movedIntoBubble) lines.push(`> ${m.name} ${m.version} into bubble ${m.bubble ?? "?"}`);
  for (const m of r.movedOutOfBubble) lines.push(`< ${m.name} ${m.version} out of bubble ${m.bubble ?? "?"}`);
  return lines;
}
