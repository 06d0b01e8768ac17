import type { BubbleState, EnvState, Revision, RevisionItem } from "../kb/index.ts";

/**
 * The state of an environment after revision N. Revisions recorded since schema 3 carry a snapshot;
 * for older ones the state is rebuilt by undoing the changes of every later revision, starting from
 * the nearest later snapshot (or from what is on disk now). Undoing is exact for what revisions
 * record; a bubble removed before snapshots existed comes back holding only its named distribution.
 */
export function stateAfter(n: number, revisions: Revision[], current: EnvState): EnvState {
  const ascending = [...revisions].sort((a, b) => a.number - b.number);
  const exact = ascending.find((r) => r.number === n);
  if (exact?.state) return clone(exact.state);
  const later = ascending.find((r) => r.number > n && r.state !== undefined);
  let state = clone(later?.state ?? current);
  const from = later?.number ?? ascending.at(-1)?.number ?? 0;
  for (const r of [...ascending].reverse()) {
    if (r.number > n && r.number <= from) state = undo(r, state);
  }
  return state;
}

function clone(state: EnvState): EnvState {
  return JSON.parse(JSON.stringify(state)) as EnvState;
}

function setMain(state: EnvState, item: RevisionItem, version: string, sha: string | undefined): void {
  state.main = state.main.filter((d) => d.name !== item.name);
  state.main.push({ name: item.name, version, wheelSha256: sha ?? null });
  state.main.sort((a, b) => (a.name < b.name ? -1 : 1));
}

function bubbleOf(state: EnvState, item: RevisionItem): BubbleState {
  const folder = item.bubble ?? `${item.name}-${item.version}`;
  let bubble = state.bubbles.find((b) => b.folder === folder);
  if (!bubble) {
    bubble = { folder, name: item.name, version: item.version, dists: [] };
    state.bubbles.push(bubble);
    state.bubbles.sort((a, b) => (a.folder < b.folder ? -1 : 1));
  }
  return bubble;
}

/** The state before `r`, given the state after it. */
function undo(r: Revision, after: EnvState): EnvState {
  const state = clone(after);
  for (const a of r.added) state.main = state.main.filter((d) => d.name !== a.name);
  for (const c of r.changed) if (c.fromVersion) setMain(state, c, c.fromVersion, c.fromWheelSha256);
  for (const x of r.removed) {
    if (x.bubble) {
      const bubble = bubbleOf(state, x);
      if (!bubble.dists.some((d) => d.name === x.name))
        bubble.dists.push({
          name: x.name,
          version: x.version,
          wheelSha256: x.wheelSha256 ?? null,
          location: "bubble",
          topLevel: [],
        });
    } else setMain(state, x, x.version, x.wheelSha256);
  }
  for (const m of r.movedIntoBubble) {
    const folder = m.bubble ?? `${m.name}-${m.version}`;
    const bubble = state.bubbles.find((b) => b.folder === folder);
    if (!bubble) continue;
    bubble.dists = bubble.dists.filter((d) => d.name !== m.name);
    if (!bubble.dists.some((d) => d.location === "bubble"))
      state.bubbles = state.bubbles.filter((b) => b.folder !== folder);
  }
  for (const m of r.movedOutOfBubble) {
    const bubble = bubbleOf(state, m);
    bubble.dists.push({
      name: m.name,
      version: m.version,
      wheelSha256: m.wheelSha256 ?? null,
      location: "bubble",
      topLevel: [],
    });
  }
  return state;
}
