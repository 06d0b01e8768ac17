/**
 * Version sets as bitsets over a package's finite, sorted candidate list (its "universe").
 *
 * Why bitsets and not intervals: PEP 440 sets mix pre-releases, local versions, `===` and `.*`,
 * so interval algebra over Python versions is full of traps. The resolver only ever chooses among
 * the candidates the provider returned, so a subset of that list is exact, and complement is
 * simply "the other candidates". All sets of one package share the universe's size; the spare
 * high bits of the last word are always zero.
 */
export type Bits = Uint32Array;

export function emptyBits(size: number): Bits {
  return new Uint32Array((size + 31) >>> 5);
}

export function fullBits(size: number): Bits {
  const bits = emptyBits(size);
  bits.fill(0xffffffff);
  const spare = bits.length * 32 - size;
  if (spare > 0 && bits.length > 0) bits[bits.length - 1] = 0xffffffff >>> spare;
  return bits;
}

export function singletonBits(size: number, index: number): Bits {
  const bits = emptyBits(size);
  bits[index >>> 5] = 1 << (index & 31);
  return bits;
}

export function bitsFromIndices(size: number, indices: Iterable<number>): Bits {
  const bits = emptyBits(size);
  for (const i of indices) bits[i >>> 5]! |= 1 << (i & 31);
  return bits;
}

export function hasBit(bits: Bits, index: number): boolean {
  return ((bits[index >>> 5] ?? 0) & (1 << (index & 31))) !== 0;
}

export function andBits(a: Bits, b: Bits): Bits {
  const out = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! & b[i]!;
  return out;
}

export function orBits(a: Bits, b: Bits): Bits {
  const out = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! | b[i]!;
  return out;
}

/** a \ b */
export function andNotBits(a: Bits, b: Bits): Bits {
  const out = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! & ~b[i]!;
  return out;
}

export function complementBits(a: Bits, size: number): Bits {
  return andNotBits(fullBits(size), a);
}

export function isEmptyBits(a: Bits): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}

/** a ⊆ b */
export function isSubsetBits(a: Bits, b: Bits): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i]! & ~b[i]!) !== 0) return false;
  return true;
}

export function isDisjointBits(a: Bits, b: Bits): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i]! & b[i]!) !== 0) return false;
  return true;
}

export function equalBits(a: Bits, b: Bits): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function countBits(a: Bits): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) n += popcount32(a[i]!);
  return n;
}

/** Highest member, or -1 when empty (universes sort ascending, so this is the newest version). */
export function highestBit(a: Bits): number {
  for (let i = a.length - 1; i >= 0; i--) {
    const word = a[i]!;
    if (word !== 0) return i * 32 + 31 - Math.clz32(word);
  }
  return -1;
}

export function indicesOf(a: Bits): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) {
    let word = a[i]!;
    while (word !== 0) {
      const low = word & -word;
      out.push(i * 32 + 31 - Math.clz32(low));
      word ^= low;
    }
  }
  return out;
}

/** A stable string key for memo tables. */
export function bitsKey(a: Bits): string {
  return Array.from(a, (w) => w.toString(36)).join(".");
}
