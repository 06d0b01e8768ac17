import { createHash, type Hash } from "node:crypto";
import type { HashMap } from "./types.ts";

/**
 * Which published hash to check: the strongest one hashlib guarantees. md5/sha1 still beat no
 * check against a truncated or swapped file, so they are used when nothing better is offered.
 */
const PREFERENCE = ["sha512", "sha384", "sha256", "sha224", "sha1", "md5"];

export interface ExpectedHash {
  algorithm: string;
  digest: string;
}

export function pickHash(hashes: HashMap): ExpectedHash | undefined {
  for (const algorithm of PREFERENCE) {
    const digest = hashes[algorithm];
    if (digest) return { algorithm, digest: digest.toLowerCase() };
  }
  return undefined;
}

/** Hashers for sha256 (always: the store keys by it) and the published algorithm, if different. */
export function createHashers(expected: ExpectedHash | undefined): Map<string, Hash> {
  const hashers = new Map<string, Hash>([["sha256", createHash("sha256")]]);
  if (expected && !hashers.has(expected.algorithm))
    hashers.set(expected.algorithm, createHash(expected.algorithm));
  return hashers;
}
