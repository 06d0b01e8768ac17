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

function quoteField(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

export function formatRecord(rows: RecordRow[]): string {
  return rows.map((r) => `${quoteField(r.path)},${quoteField(r.hash)},${quoteField(r.size)}\n`).join("");
}

export function recordHashFromHex(hex: string): string {
  return "sha256=" + Buffer.from(hex, "hex").toString("base64url");
}

/** The hex sha256 in a RECORD hash field, or undefined when it is another algorithm or malformed. */
export function hexFromRecordHash(field: string): string | undefined {
  const match = /^sha256=([A-Za-z0-9_-]{43})=?$/.exec(field);
  if (!match) return undefined;
  return Buffer.from(match[1]!, "base64url").toString("hex");
}
