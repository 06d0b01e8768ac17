/**
 * Tagged JSON values exchanged with Python workers (mirror of omnipkg_worker/codec.py).
 *
 * Traps:
 * - JSON has no bytes, tuples, sets, non-string keys, NaN/Infinity or integers beyond 2**53, so those
 *   travel as `{"$t": tag, "v": payload}`. Python ints beyond 2**53 arrive as `bigint`.
 * - A plain object that has a "$t" key itself travels as a "map", so it is never read as a tag.
 * - Tuples arrive as arrays and frozensets as Sets: JavaScript has no closer type.
 */

const TAG = "$t";

export class CodecError extends TypeError {}

export type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

export function encodeValue(value: unknown): Encoded {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "boolean":
    case "string":
      return value;
    case "number":
      if (Number.isFinite(value)) return value;
      return { [TAG]: "float", v: Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf" };
    case "bigint":
      return { [TAG]: "int", v: value.toString() };
    case "object":
      break;
    default:
      throw new CodecError(`Cannot send a ${typeof value} to a Python worker.`);
  }
  if (Array.isArray(value)) return value.map(encodeValue);
  if (value instanceof Uint8Array) return { [TAG]: "bytes", v: Buffer.from(value).toString("base64") };
  if (value instanceof Map) {
    return { [TAG]: "map", v: [...value].map(([k, v]) => [encodeValue(k), encodeValue(v)]) };
  }
  if (value instanceof Set) return { [TAG]: "set", v: [...value].map(encodeValue) };
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
    throw new CodecError(`Cannot send a ${name} to a Python worker; use plain objects, arrays and bytes.`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.some(([key]) => key === TAG)) {
    return { [TAG]: "map", v: entries.map(([k, v]) => [k, encodeValue(v)]) };
  }
  const out: { [key: string]: Encoded } = {};
  for (const [key, item] of entries) out[key] = encodeValue(item);
  return out;
}

function decodeFloat(text: unknown): number {
  if (text === "nan") return Number.NaN;
  return text === "-inf" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

export function decodeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const tag = record[TAG];
  if (tag === undefined) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(record)) out[key] = decodeValue(item);
    return out;
  }
  const payload = record.v;
  switch (tag) {
    case "bytes":
      return Buffer.from(String(payload), "base64");
    case "tuple":
      return (payload as unknown[]).map(decodeValue);
    case "set":
    case "frozenset":
      return new Set((payload as unknown[]).map(decodeValue));
    case "map": {
      const entries = (payload as [unknown, unknown][]).map(
        ([k, v]) => [decodeValue(k), decodeValue(v)] as const,
      );
      // String-keyed maps read naturally as objects; anything else needs a Map.
      if (entries.every(([k]) => typeof k === "string")) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of entries) out[k as string] = v;
        return out;
      }
      return new Map(entries);
    }
    case "int":
      return BigInt(String(payload));
    case "float":
      return decodeFloat(payload);
    default:
      throw new CodecError(`Unknown tag ${JSON.stringify(tag)} in a worker reply.`);
  }
}
