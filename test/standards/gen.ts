/**
 * Generators of messy-but-plausible inputs for the differential tests: every PEP 440 spelling
 * variant (separators, case, implicit numbers, "v", epochs, locals, huge numbers), and random
 * corruptions so that invalid input is exercised as much as valid input.
 */
import { pick } from "./oracle.ts";

type R = () => number;
const SEP = ["", "", ".", "-", "_"];
const NUMS = ["0", "1", "2", "3", "10", "01", "00", "9", "42", "2024"];
const HUGE = ["99999999999999999999", "18446744073709551617", "9007199254740993"];

function num(r: R): string {
  return r() < 0.02 ? pick(r, HUGE) : pick(r, NUMS);
}

function maybeUpper(r: R, s: string): string {
  return r() < 0.15 ? s.toUpperCase() : r() < 0.05 ? s[0]!.toUpperCase() + s.slice(1) : s;
}

export function genRelease(r: R, minParts = 1): string {
  const n = minParts + Math.floor(r() * (4 - minParts + 1));
  return Array.from({ length: n }, () => num(r)).join(".");
}

export function genVersion(r: R, opts: { local?: boolean; minParts?: number } = {}): string {
  let s = r() < 0.05 ? maybeUpper(r, "v") : "";
  if (r() < 0.08) s += `${num(r)}!`;
  s += genRelease(r, opts.minParts ?? 1);
  if (r() < 0.3) {
    const letter = maybeUpper(r, pick(r, ["a", "b", "c", "rc", "alpha", "beta", "pre", "preview"]));
    s += pick(r, SEP) + letter + pick(r, SEP) + (r() < 0.8 ? num(r) : "");
  }
  if (r() < 0.25) {
    s +=
      r() < 0.2
        ? `-${num(r)}`
        : pick(r, SEP) +
          maybeUpper(r, pick(r, ["post", "rev", "r"])) +
          pick(r, SEP) +
          (r() < 0.8 ? num(r) : "");
  }
  if (r() < 0.2) s += pick(r, SEP) + maybeUpper(r, "dev") + pick(r, SEP) + (r() < 0.8 ? num(r) : "");
  if ((opts.local ?? true) && r() < 0.15) {
    const parts = Array.from({ length: 1 + Math.floor(r() * 3) }, () =>
      r() < 0.5 ? num(r) : maybeUpper(r, pick(r, ["abc", "ubuntu", "cpu", "cu118", "g1234", "x"])),
    );
    s += "+" + parts.map((p, i) => (i === 0 ? p : pick(r, [".", "-", "_"]) + p)).join("");
  }
  if (r() < 0.04) s = pick(r, [" ", "\t", "\n", "\u00a0", "\x1c", "\ufeff"]) + s;
  if (r() < 0.04) s += pick(r, [" ", "\n", "\u2003", "\x85", "\ufeff"]);
  return s;
}

const JUNK = [".", "-", "_", "+", "!", "*", "a", "x", " ", "..", "dev", "post", "é", "٣", "1"];

/** A random edit of `s`: insert, delete or replace one character. */
export function corrupt(r: R, s: string): string {
  const i = Math.floor(r() * (s.length + 1));
  const k = r();
  if (k < 0.4) return s.slice(0, i) + pick(r, JUNK) + s.slice(i);
  if (k < 0.7) return s.slice(0, i) + s.slice(i + 1);
  return s.slice(0, i) + pick(r, JUNK) + s.slice(i + 1);
}

export const EDGE_VERSIONS = [
  "1",
  "1.0",
  "1.0.0",
  "1.0.0.0",
  "0",
  "0.0",
  "00",
  "1.01",
  "1!0",
  "0!1.0",
  "1.0a",
  "1.0a0",
  "1.0.a1",
  "1.0-a1",
  "1.0_a_1",
  "1.0alpha1",
  "1.0beta2",
  "1.0c1",
  "1.0pre1",
  "1.0preview1",
  "1.0rc1",
  "1.0RC1",
  "1.0-1",
  "1.0post",
  "1.0.post0",
  "1.0-post1",
  "1.0r1",
  "1.0rev1",
  "1.0.dev",
  "1.0dev0",
  "1.0-dev1",
  "1.0a1.dev1",
  "1.0a1.post1.dev1",
  "1.0.post1.dev1",
  "1.0+abc",
  "1.0+ABC.5",
  "1.0+abc.007",
  "1.0+1.2",
  "1.0+a-b_c",
  "v1.0",
  "V1.0",
  " 1.0 ",
  "1.0\n",
  "\t1.0",
  "1.0+",
  "1.0+.abc",
  "1.0.",
  ".1",
  "1..0",
  "1.0-",
  "1.0a1a2",
  "1.0.*",
  "1.0 a1",
  "1 .0",
  "a",
  "",
  " ",
  "1.0+abc..d",
  "1.0+abc-",
  "1.0dev1post1",
  "1.0.post1a1",
  "1!",
  "!1",
  "1.0-1-1",
  "1.0-r",
  "1.0--1",
  "1.0+a+b",
  "1.0post-1",
  "99999999999999999999.0",
  "1.0.99999999999999999999",
  "1.0a99999999999999999999",
  "1.0+9999999999999999999",
  "1.0+abc.9999999999999999999999",
  "1e3",
  "0x10",
  "١.٠",
  "1.0٣",
  "1.0\u00a0",
  "\u20001.0",
  "1.0\ufeff",
];
