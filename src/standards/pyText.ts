/**
 * Python's notion of text where it differs from JavaScript's, so that ports of packaging's regular
 * expressions agree on the edges: `str.isspace()` (includes \x1c-\x1f and \x85, excludes \ufeff),
 * `str.strip()`, `\w`/`\b` over Unicode, and str ordering by code point (JS compares UTF-16 units).
 */

/** The characters for which Python's `str.isspace()` is true, as a regex class body. */
export const PY_SPACE =
  "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/** Python's `\w` for str patterns: alphanumerics in the Unicode sense, and underscore. */
export const PY_WORD = "\\p{L}\\p{N}_";

// eslint-disable-next-line no-control-regex
const asciiRe = /^[\x00-\x7f]*$/;

/**
 * Whether text is pure ASCII. For ASCII text a regex without the `u` flag (and with ASCII word
 * classes) matches exactly what the Unicode one does, and V8 compiles and runs it much faster.
 */
export function isAscii(text: string): boolean {
  return asciiRe.test(text);
}

const stripRe = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "gu");

export function pyStrip(text: string): string {
  return text.replace(stripRe, "");
}

/** Python `a < b` for str: code-point order. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only surrogates sort differently from their code point; lift them above the BMP.
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
