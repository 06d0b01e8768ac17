/**
 * Words for terms and incompatibilities. Sets are rendered back into specifier-like text over the
 * package's universe: a contiguous run of candidates becomes `a>=1.0,<2.0` (bounds are the run's
 * first member and the first candidate after it), a single version `a==1.0`, the whole universe
 * just `a`. Versions the set could never contain (pre-releases, yanked files) are left out of
 * the runs so they do not split `b>=2.0` into `b==2.0 or b==2.1`.
 */
import { hasBit, type Bits } from "./bitset.ts";
import { ROOT_PKG, type Incompatibility } from "./incompatibility.ts";
import type { Term } from "./term.ts";

export interface Catalog {
  /** Name as shown to users: `rich`, `rich[jupyter]`. */
  display(pkg: string): string;
  /** Candidate versions as shown, ascending (the universe). */
  versions(pkg: string): readonly string[];
  /** Candidates that are only in a set when asked for explicitly (pre-releases, yanked). */
  hidden(pkg: string): Bits | undefined;
}

const MAX_RUNS = 4;

interface Phrase {
  text: string;
  /** "all versions of a" takes a plural verb. */
  plural: boolean;
  all: boolean;
}

export function describeSet(catalog: Catalog, pkg: string, set: Bits): Phrase {
  const name = catalog.display(pkg);
  const versions = catalog.versions(pkg);
  const hidden = catalog.hidden(pkg);
  const visible: number[] = [];
  for (let i = 0; i < versions.length; i++) {
    if (hasBit(set, i) || hidden === undefined || !hasBit(hidden, i)) visible.push(i);
  }
  const runs: [number, number][] = [];
  for (let k = 0; k < visible.length; k++) {
    if (!hasBit(set, visible[k]!)) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === k - 1) last[1] = k;
    else runs.push([k, k]);
  }
  if (runs.length === 0) return { text: `${name} (no version)`, plural: false, all: false };
  // A lone candidate reads better as `a==1.0` than as "all versions of a".
  if (runs.length === 1 && runs[0]![0] === 0 && runs[0]![1] === visible.length - 1 && visible.length > 1) {
    return { text: name, plural: false, all: true };
  }
  const parts = runs.slice(0, MAX_RUNS).map(([from, to]) => {
    if (from === to) return `${name}==${versions[visible[from]!]}`;
    const bounds: string[] = [];
    if (from > 0) bounds.push(`>=${versions[visible[from]!]}`);
    if (to < visible.length - 1) bounds.push(`<${versions[visible[to + 1]!]}`);
    return name + bounds.join(",");
  });
  if (runs.length > MAX_RUNS) parts.push(`${runs.length - MAX_RUNS} more`);
  return { text: parts.join(" or "), plural: false, all: false };
}

/** The positive reading of a term's set: `b>=2` whether the term says b>=2 or not b>=2. */
export function describeTermSet(catalog: Catalog, t: Term): Phrase {
  if (t.label !== undefined) return { text: t.label, plural: false, all: false };
  return describeSet(catalog, t.pkg, t.set);
}

/** A positive term as the subject of a sentence: `a==1.0`, `all versions of a`. */
function subject(catalog: Catalog, t: Term): Phrase {
  const phrase = describeTermSet(catalog, t);
  return phrase.all ? { text: `all versions of ${phrase.text}`, plural: true, all: true } : phrase;
}

function joinAnd(items: string[], word = "and"): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${word} ${items[items.length - 1]}`;
}

function missingSuffix(catalog: Catalog, t: Term): string {
  if (t.set.some((w) => w !== 0)) return "";
  const name = catalog.display(t.pkg);
  if (catalog.versions(t.pkg).length === 0) return `, but no version of ${name} is available`;
  const hidden = catalog.hidden(t.pkg);
  const versions = catalog.versions(t.pkg).filter((_v, i) => hidden === undefined || !hasBit(hidden, i));
  const newest = versions[versions.length - 1];
  return `, but no version of ${name} matches it${newest === undefined ? "" : ` (the newest is ${newest})`}`;
}

export function describeIncompatibility(catalog: Catalog, inc: Incompatibility): string {
  const cause = inc.cause;
  const [first, second] = inc.terms;
  switch (cause.kind) {
    case "root":
      return "you require the requested packages";
    case "dependency": {
      const dep = describeTermSet(catalog, second!).text + missingSuffix(catalog, second!);
      if (first!.pkg === ROOT_PKG) return `you require ${dep}`;
      const who = subject(catalog, first!);
      return `${who.text} ${who.plural ? "depend" : "depends"} on ${dep}`;
    }
    case "requiresPython": {
      const who = subject(catalog, first!);
      const verb = who.plural ? "require" : "requires";
      return `${who.text} ${verb} Python ${cause.requiresPython} (the target is ${cause.pythonVersion})`;
    }
    case "unavailable": {
      const who = subject(catalog, first!);
      return `${who.text} cannot be used (${cause.reason})`;
    }
    case "constraint":
      return `your constraints require ${cause.label}`;
    case "noVersions":
      return `there is no version of ${describeTermSet(catalog, first!).text}`;
    case "derived":
      return describeDerived(catalog, inc.terms);
  }
}

function describeDerived(catalog: Catalog, terms: readonly Term[]): string {
  const real = terms.filter((t) => t.pkg !== ROOT_PKG);
  if (real.length === 0) return "your requirements are unsatisfiable";
  const positives = real.filter((t) => t.positive);
  const negatives = real.filter((t) => !t.positive).map((t) => describeTermSet(catalog, t).text);
  if (positives.length === 0) {
    return negatives.length === 1
      ? `${negatives[0]} is required`
      : `one of ${joinAnd(negatives, "or")} is required`;
  }
  if (positives.length === 1) {
    const who = subject(catalog, positives[0]!);
    if (negatives.length === 0) {
      return who.all
        ? `no version of ${describeTermSet(catalog, positives[0]!).text} can be used`
        : `${who.text} cannot be used`;
    }
    return `${who.text} ${who.plural ? "depend" : "depends"} on ${joinAnd(negatives, "or")}`;
  }
  const names = joinAnd(positives.map((t) => describeTermSet(catalog, t).text).sort());
  if (negatives.length === 0) return `${names} cannot be installed together`;
  return `if ${names} are installed, ${joinAnd(negatives, "or")} is required`;
}
