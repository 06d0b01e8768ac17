/**
 * PEP 376/627 RECORD files: CSV rows of `path,hash,size`, hash as `sha256=<urlsafe base64, no
 * padding>`. Traps: paths containing commas or quotes are CSV-quoted (Python's csv module, `"`
 * doubled); RECORD lists itself with empty hash and size; rows may end with `\r\n`.
 */

export interface RecordRow {
  path: string;
  hash: string;
  size: string;
}

function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (line[i] === '"') {
      i += 1;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote === -1) {
          field += line.slice(i);
          i = line.length;
          break;
        }
        field += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          field += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      const comma = line.indexOf(",", i);
      i = comma === -1 ? line.length : comma;
    } else {
      const comma = line.indexOf(",", i);
      field = line.slice(i, comma === -1 ? line.length : comma);
      i = comma === -1 ? line.length : comma;
    }
    fields.push(field);
    if (i >= line.length) break;
    i += 1; // skip the comma
    if (i === line.length) {
      fields.push("");
      break;
    }
  }
  return fields;
}

export function parseRecord(text: string): RecordRow[] {
  const rows: RecordRow[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") continue;
    const [path = "", hash = "", size = ""] = parseCsvLine(line);
    rows.push({ path, hash, size });
  }
  return rows;
}

/** A RECORD field as Python's csv module writes it: quoted when it holds a comma, quote or newline. */
export function quoteField(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

export function formatRecord(rows: RecordRow[]): string {
  return rows.map((r) => `${quoteField(r.path)},${quoteField(r.hash)},${quoteField(r.size)}\n`).join("");
}

export function recordHashFromHex(hex: string): string {
  return "sha256=" + Buffer.from(hex, "hex").toString("base64url");
}

/**
 * recordHashFromHex for many digests at once (an install writes ~4,700 RECORD rows): one hex decode
 * and one base64 encode instead of a Buffer and two conversions per digest. Each 32-byte digest is
 * followed by a zero byte, so it fills 33 bytes = 44 base64 characters exactly: digest i is
 * characters 44i to 44i+43 (the 43rd holds its last 4 bits and 2 zero bits, just like the
 * unpadded encoding of the digest alone), and the 44th ("A") belongs to the zero byte.
 */
export function recordHashesFromHex(hexes: readonly string[]): string[] {
  // A malformed digest would shift every one after it: then (never for digests from the store)
  // each goes alone. Hex decoding stops at the first non-hex character, so the length tells.
  const bytes = hexes.every((hex) => hex.length === 64)
    ? Buffer.from(hexes.join("00") + "00", "hex")
    : undefined;
  if (bytes?.length !== 33 * hexes.length) return hexes.map(recordHashFromHex);
  const base64 = bytes.toString("base64url");
  const hashes = new Array<string>(hexes.length);
  for (let i = 0; i < hexes.length; i++) hashes[i] = "sha256=" + base64.slice(44 * i, 44 * i + 43);
  return hashes;
}

/** The hex sha256 in a RECORD hash field, or undefined when it is another algorithm or malformed. */
export function hexFromRecordHash(field: string): string | undefined {
  const match = /^sha256=([A-Za-z0-9_-]{43})=?$/.exec(field);
  if (!match) return undefined;
  return Buffer.from(match[1]!, "base64url").toString("hex");
}
