/**
 * Marker evaluation, remembered per marker tree and extra for one resolution (the environment is
 * fixed for its whole life). A wheel repeats the same few markers on many lines (pandas has 84
 * `extra == "..."` lines over 20-odd extras), the solver asks about a version once per extra and
 * the final dependency listing asks again; and each evaluation of `extra == "all"` first tries
 * `==all` as a version specifier, which fails by throwing. Two equal trees always evaluate alike,
 * so the memo is keyed by the tree's JSON. An evaluation that throws is remembered as the error,
 * and thrown again on every ask, as the unmemoised call would.
 */
import {
  canonicalizeName,
  evaluateMarker,
  Marker,
  type MarkerEnv,
  type MarkerList,
} from "../standards/index.ts";

export interface MemoMarker {
  readonly marker: Marker;
  /** Extra ("" for none asked) → result, or the error evaluating it threw. */
  readonly results: Map<string | undefined, boolean | { error: unknown }>;
  /** PreparedRequirement.extraOnly: the marker is `extra == <this>`, compared as text. */
  readonly extraOnly: string | undefined;
}

export class MarkerMemo {
  private readonly byTree = new Map<string, MemoMarker>();
  /** evaluateMarker reads `extra` from the environment when it sets one: then no shortcut. */
  private readonly envHasExtra: boolean;

  constructor(private readonly env: MarkerEnv) {
    this.envHasExtra = Object.prototype.hasOwnProperty.call(env, "extra");
  }

  intern(tree: MarkerList, extraOnly?: string): MemoMarker {
    const key = JSON.stringify(tree);
    let memo = this.byTree.get(key);
    if (memo === undefined) {
      memo = { marker: new Marker(tree), results: new Map(), extraOnly };
      this.byTree.set(key, memo);
    }
    return memo;
  }

  /** `evaluateMarker(marker, env)`, or with `[extra]` when an extra is given. */
  evaluate(memo: MemoMarker, extra?: string): boolean {
    let result = memo.results.get(extra);
    if (result === undefined && memo.extraOnly !== undefined && !this.envHasExtra) {
      // What evaluateMarker computes for this shape: canonical(extra, "" when none) == value.
      result = canonicalizeName(extra ?? "") === memo.extraOnly;
      memo.results.set(extra, result);
    }
    if (result === undefined) {
      try {
        result = evaluateMarker(memo.marker, this.env, extra === undefined ? undefined : [extra]);
      } catch (error) {
        result = { error };
      }
      memo.results.set(extra, result);
    }
    if (typeof result !== "boolean") throw result.error;
    return result;
  }

  /** `evaluateMarker(marker, env, extras)`: true when the marker holds for any of the extras. */
  evaluateAny(memo: MemoMarker, extras: readonly string[]): boolean {
    return extras.some((extra) => this.evaluate(memo, extra));
  }
}
