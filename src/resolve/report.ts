/**
 * Turns the derivation graph of a failure into sentences, following PubGrub's error reporting
 * (https://github.com/dart-lang/pub/blob/master/doc/solver.md#error-reporting): a linear chain
 * reads as "Because …, …. And because …, …."; an incompatibility used by two later steps gets a
 * line number so that the later step can point back to it.
 */
import { describeIncompatibility, type Catalog } from "./describe.ts";
import type { Incompatibility } from "./incompatibility.ts";

interface Line {
  text: string;
  number?: number;
}

type Derived = Incompatibility & {
  cause: { kind: "derived"; left: Incompatibility; right: Incompatibility };
};

function isDerived(inc: Incompatibility): inc is Derived {
  return inc.cause.kind === "derived";
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "you require a" + "you require b" → "you require a and b"; likewise "x depends on". */
function joinReasons(first: string, second: string): string {
  const require = "you require ";
  if (first.startsWith(require) && second.startsWith(require)) {
    return `${first} and ${second.slice(require.length)}`;
  }
  const python = /^(.*?) (?:requires|require) (Python .*)$/;
  const pa = python.exec(first);
  const pb = python.exec(second);
  if (pa !== null && pb !== null && pa[2] === pb[2]) return `${pa[1]} and ${pb[1]} require ${pa[2]}`;
  const a = /^(.*?) (depends|depend) on (.*)$/.exec(first);
  const b = /^(.*?) (depends|depend) on (.*)$/.exec(second);
  if (a !== null && b !== null && a[1] === b[1]) return `${first} and ${b[3]}`;
  return `${first} and ${second}`;
}

export function explainFailure(catalog: Catalog, failure: Incompatibility): string {
  const refs = new Map<Incompatibility, number>();
  const stack = [failure];
  const walked = new Set<Incompatibility>();
  while (stack.length > 0) {
    const inc = stack.pop()!;
    if (walked.has(inc) || !isDerived(inc)) continue;
    walked.add(inc);
    for (const cause of [inc.cause.left, inc.cause.right]) {
      refs.set(cause, (refs.get(cause) ?? 0) + 1);
      stack.push(cause);
    }
  }

  const lines: Line[] = [];
  const numbers = new Map<Incompatibility, number>();
  let nextNumber = 1;
  const say = (inc: Incompatibility) => describeIncompatibility(catalog, inc);
  const write = (text: string) => lines.push({ text });
  const numberLast = (): number => {
    const last = lines[lines.length - 1]!;
    if (last.number === undefined) last.number = nextNumber++;
    return last.number;
  };
  const byAge = (a: Incompatibility, b: Incompatibility): [Incompatibility, Incompatibility] =>
    a.id <= b.id ? [a, b] : [b, a];

  const visit = (inc: Derived): void => {
    const { left, right } = inc.cause;
    if (isDerived(left) && isDerived(right)) {
      const leftLine = numbers.get(left);
      const rightLine = numbers.get(right);
      if (leftLine !== undefined && rightLine !== undefined) {
        write(`Because ${say(left)} (${leftLine}) and ${say(right)} (${rightLine}), ${say(inc)}.`);
      } else if (leftLine !== undefined || rightLine !== undefined) {
        const [withLine, without] = leftLine !== undefined ? [left, right] : [right, left];
        visit(without);
        write(`And because ${say(withLine)} (${numbers.get(withLine)}), ${say(inc)}.`);
      } else {
        const simple = [left, right].find((c) => !isDerived(c.cause.left) && !isDerived(c.cause.right));
        if (simple !== undefined) {
          visit(simple === left ? right : left);
          visit(simple);
          write(`Thus, ${say(inc)}.`);
        } else {
          visit(left);
          numbers.set(left, numberLast());
          write("");
          visit(right);
          write(`And because ${say(left)} (${numbers.get(left)}), ${say(inc)}.`);
        }
      }
    } else if (isDerived(left) || isDerived(right)) {
      const [derived, external] = isDerived(left) ? [left, right] : [right as Derived, left];
      const derivedLine = numbers.get(derived);
      const prior = [derived.cause.left, derived.cause.right];
      const priorDerived = prior.filter(isDerived);
      if (derivedLine !== undefined) {
        write(`Because ${say(external)} and ${say(derived)} (${derivedLine}), ${say(inc)}.`);
      } else if (
        priorDerived.length === 1 &&
        !numbers.has(priorDerived[0]!) &&
        (refs.get(derived) ?? 0) <= 1 &&
        external.cause.kind !== "root"
      ) {
        const priorExternal = prior.find((c) => !isDerived(c))!;
        visit(priorDerived[0]!);
        const [a, b] = byAge(priorExternal, external);
        write(`And because ${joinReasons(say(a), say(b))}, ${say(inc)}.`);
      } else {
        visit(derived);
        write(
          external.cause.kind === "root" ? `So ${say(inc)}.` : `And because ${say(external)}, ${say(inc)}.`,
        );
      }
    } else {
      const [a, b] = byAge(left, right);
      if (a.cause.kind === "root") write(`Because ${say(b)}, ${say(inc)}.`);
      else if (b.cause.kind === "root") write(`Because ${say(a)}, ${say(inc)}.`);
      else write(`Because ${joinReasons(say(a), say(b))}, ${say(inc)}.`);
    }
    if ((refs.get(inc) ?? 0) > 1) numbers.set(inc, numberLast());
  };

  if (isDerived(failure)) visit(failure);
  else write(`${capitalize(say(failure))}.`);

  const numbered = lines.some((l) => l.number !== undefined);
  if (!numbered) return lines.map((l) => l.text).join("\n");
  const width = `(${nextNumber - 1}) `.length;
  return lines
    .map((l) => {
      if (l.text === "") return "";
      const prefix = l.number === undefined ? "" : `(${l.number}) `;
      return prefix.padEnd(width) + l.text;
    })
    .join("\n");
}
