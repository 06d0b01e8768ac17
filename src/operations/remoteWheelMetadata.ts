import { crc32, inflateRawSync } from "node:zlib";
import type { DistFile, IndexClient } from "../index/index.ts";

/**
 * Read a wheel's `*.dist-info/METADATA` with HTTP range requests when the index offers no PEP 658
 * file: the zip's end record and central directory sit at the end of the file, so two or three
 * small ranges replace downloading a wheel of possibly hundreds of megabytes. Returns undefined
 * whenever the server does not do ranges or the zip is unusual (zip64, multi-disk): the caller
 * then downloads the wheel, which it would need for the install anyway.
 */

const EOCD_SIG = 0x06054b50;
const CDH_SIG = 0x02014b50;
const LFH_SIG = 0x04034b50;
const TAIL_BYTES = 64 * 1024;

interface Entry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  localOffset: number;
}

function findEocd(tail: Buffer): number {
  for (let i = tail.length - 22; i >= 0; i--) if (tail.readUInt32LE(i) === EOCD_SIG) return i;
  return -1;
}

function parseCentralDirectory(cd: Buffer): Entry[] {
  const entries: Entry[] = [];
  let p = 0;
  while (p + 46 <= cd.length && cd.readUInt32LE(p) === CDH_SIG) {
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    entries.push({
      method: cd.readUInt16LE(p + 10),
      crc: cd.readUInt32LE(p + 16),
      compressedSize: cd.readUInt32LE(p + 20),
      localOffset: cd.readUInt32LE(p + 42),
      name: cd.subarray(p + 46, p + 46 + nameLen).toString("utf8"),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

export async function readRemoteWheelMetadata(
  client: IndexClient,
  file: DistFile,
): Promise<string | undefined> {
  const tailResult = await client.fetchRange(file.url, -TAIL_BYTES);
  if (!tailResult.supported || !tailResult.bytes || tailResult.start === undefined) return undefined;
  const tail = tailResult.bytes;
  const eocd = findEocd(tail);
  if (eocd < 0) return undefined;
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || cdSize === 0xffffffff) return undefined; // zip64
  let cd: Buffer;
  if (cdOffset >= tailResult.start) {
    cd = tail.subarray(cdOffset - tailResult.start, cdOffset - tailResult.start + cdSize);
  } else {
    const r = await client.fetchRange(file.url, cdOffset, cdOffset + cdSize - 1);
    if (!r.supported || !r.bytes) return undefined;
    cd = r.bytes;
  }
  const entry = parseCentralDirectory(cd).find((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.name));
  if (!entry || (entry.method !== 0 && entry.method !== 8)) return undefined;
  // The local header's name/extra lengths may differ from the central copy: over-fetch a little.
  const slack = 30 + entry.name.length + 1024;
  const local = await client.fetchRange(
    file.url,
    entry.localOffset,
    entry.localOffset + slack + entry.compressedSize - 1,
  );
  if (!local.supported || !local.bytes || local.bytes.readUInt32LE(0) !== LFH_SIG) return undefined;
  const dataStart = 30 + local.bytes.readUInt16LE(26) + local.bytes.readUInt16LE(28);
  const raw = local.bytes.subarray(dataStart, dataStart + entry.compressedSize);
  if (raw.length !== entry.compressedSize) return undefined;
  const data = entry.method === 8 ? inflateRawSync(raw) : raw;
  if (crc32(data) >>> 0 !== entry.crc >>> 0) return undefined;
  return data.toString("utf8");
}
