/**
 * PEP 508 tokenizer and recursive-descent parser, following the grammar and the error wording of
 * packaging 24.x (`_tokenizer.py`, `_parser.py`), so that what it accepts and where it complains
 * are the same.
 *
 * Traps:
 * - Whitespace between tokens is only space and tab; `END` also matches just before one final "\n"
 *   (Python's `$`), so "name\n" is a valid requirement.
 * - A URL runs to the next space or tab, so "pkg @ http://x;python_version>'3'" is all URL; a marker
 *   after a URL needs whitespace before the ";".
 * - The SPECIFIER token is the specifier regex unanchored; for === it swallows commas
 *   ("===1.0,>=2"), and the later split on "," sees two members.
 * - Marker strings are Python literals (`ast.literal_eval`): backslash escapes are decoded.
 * - `\b` is Unicode-aware in Python: "extraé" is not the variable "extra".
 */
import { isAscii, PY_WORD } from "./pyText.ts";
import { SPECIFIER_PATTERN } from "./specifier.ts";

export interface MarkerVariable {
  kind: "variable";
  value: string;
}
export interface MarkerValue {
  kind: "value";
  value: string;
}
export type MarkerVar = MarkerVariable | MarkerValue;
export type MarkerOp = "===" | "==" | "~=" | "!=" | "<=" | ">=" | "<" | ">" | "in" | "not in";
export interface MarkerItem {
  lhs: MarkerVar;
  op: MarkerOp;
  rhs: MarkerVar;
}
/** A flat list alternating atoms and "and"/"or"; an atom is an item or a parenthesised list. */
export type MarkerList = Array<MarkerItem | MarkerList | "and" | "or">;

export interface ParsedRequirement {
  name: string;
  url: string;
  extras: string[];
  specifier: string;
  marker: MarkerList | null;
}

/** Raised inside the parser; the public entry points wrap it into InvalidRequirement/InvalidMarker. */
export class ParserSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly span: [number, number],
  ) {
    super(reason);
  }
}

/**
 * The rules, built for a word-character class: Python's Unicode `\w`, or its ASCII part. Almost
 * every requirement is ASCII, and for ASCII text both give the same tokens; the ASCII set avoids
 * the Unicode property classes, which make V8 compile and run these sticky regexes several times
 * slower (a warm install parses hundreds of Requires-Dist lines once each).
 */
function buildRules(word: string, flags: "" | "u") {
  const W = `[${word}]`;
  const WB = `(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))`;
  return {
    LEFT_PARENTHESIS: /\(/y,
    RIGHT_PARENTHESIS: /\)/y,
    LEFT_BRACKET: /\[/y,
    RIGHT_BRACKET: /\]/y,
    SEMICOLON: /;/y,
    COMMA: /,/y,
    QUOTED_STRING: /(?:'[^']*')|(?:"[^"]*")/y,
    OP: /(?:===|==|~=|!=|<=|>=|<|>)/y,
    BOOLOP: new RegExp(`${WB}(?:or|and)${WB}`, `${flags}y`),
    IN: new RegExp(`${WB}in${WB}`, `${flags}y`),
    NOT: new RegExp(`${WB}not${WB}`, `${flags}y`),
    VARIABLE: new RegExp(
      `${WB}(?:python_version|python_full_version|os[._]name|sys[._]platform|platform_(?:release|system)` +
        `|platform[._](?:version|machine|python_implementation)|python_implementation` +
        `|implementation_(?:name|version)|extra)${WB}`,
      `${flags}y`,
    ),
    SPECIFIER: new RegExp(SPECIFIER_PATTERN, `i${flags}y`),
    AT: /@/y,
    URL: new RegExp("[^ \\t]+", `${flags}y`),
    IDENTIFIER: new RegExp(`${WB}[a-zA-Z0-9][a-zA-Z0-9._-]*${WB}`, `${flags}y`),
    VERSION_PREFIX_TRAIL: /\.\*/y,
    VERSION_LOCAL_LABEL_TRAIL: /\+[a-z0-9]+(?:[-_.][a-z0-9]+)*/y,
    WS: /[ \t]+/y,
    END: null,
  } as const;
}
type Rules = ReturnType<typeof buildRules>;
let unicodeRules: Rules | undefined;
let asciiRules: Rules | undefined;
function rulesFor(source: string): Rules {
  if (isAscii(source)) return (asciiRules ??= buildRules("A-Za-z0-9_", ""));
  return (unicodeRules ??= buildRules(PY_WORD, "u"));
}
type Rule = keyof Rules;

class Tokenizer {
  position = 0;
  private next: { name: Rule; text: string } | null = null;
  private readonly rules: Rules;
  constructor(readonly source: string) {
    this.rules = rulesFor(source);
  }

  check(name: Rule, peek = false): boolean {
    let text: string | null;
    const re = this.rules[name];
    if (re === null) {
      const rest = this.source.length - this.position;
      text = rest === 0 || (rest === 1 && this.source.endsWith("\n")) ? "" : null;
    } else {
      re.lastIndex = this.position;
      const m = re.exec(this.source);
      text = m === null ? null : m[0];
    }
    if (text === null) return false;
    if (!peek) this.next = { name, text };
    return true;
  }

  consume(name: Rule): void {
    if (this.check(name)) this.read();
  }

  read(): string {
    const token = this.next!;
    this.position += token.text.length;
    this.next = null;
    return token.text;
  }

  expect(name: Rule, expected: string): string {
    if (!this.check(name)) this.fail(`Expected ${expected}`);
    return this.read();
  }

  fail(reason: string, spanStart?: number, spanEnd?: number): never {
    throw new ParserSyntaxError(reason, [spanStart ?? this.position, spanEnd ?? this.position]);
  }

  /** packaging's `enclosing_tokens`: an optional opening token that then requires its closer. */
  enclosed<T>(open: Rule, close: Rule, around: string, body: () => T): T {
    let openPosition: number | null = null;
    if (this.check(open)) {
      openPosition = this.position;
      this.read();
    }
    const result = body();
    if (openPosition === null) return result;
    if (!this.check(close)) {
      this.fail(`Expected matching ${close} for ${open}, after ${around}`, openPosition);
    }
    this.read();
    return result;
  }
}

export function parseRequirementSyntax(source: string): ParsedRequirement {
  const t = new Tokenizer(source);
  t.consume("WS");
  const name = t.expect("IDENTIFIER", "package name at the start of dependency specifier");
  t.consume("WS");
  const extras = parseExtras(t);
  t.consume("WS");
  const [url, specifier, marker] = parseRequirementDetails(t);
  t.expect("END", "end of dependency specifier");
  return { name, url, extras, specifier, marker };
}

function parseRequirementDetails(t: Tokenizer): [string, string, MarkerList | null] {
  if (t.check("AT")) {
    t.read();
    t.consume("WS");
    const urlStart = t.position;
    const url = t.expect("URL", "URL after @");
    if (t.check("END", true)) return [url, "", null];
    t.expect("WS", "whitespace after URL");
    if (t.check("END", true)) return [url, "", null];
    return [url, "", parseRequirementMarker(t, urlStart, "URL and whitespace")];
  }
  const specifierStart = t.position;
  const specifier = parseSpecifier(t);
  t.consume("WS");
  if (t.check("END", true)) return ["", specifier, null];
  const after = specifier ? "version specifier" : "name and no valid version specifier";
  return ["", specifier, parseRequirementMarker(t, specifierStart, after)];
}

function parseRequirementMarker(t: Tokenizer, spanStart: number, after: string): MarkerList {
  if (!t.check("SEMICOLON")) t.fail(`Expected end or semicolon (after ${after})`, spanStart);
  t.read();
  const marker = parseMarkerList(t);
  t.consume("WS");
  return marker;
}

function parseExtras(t: Tokenizer): string[] {
  if (!t.check("LEFT_BRACKET", true)) return [];
  return t.enclosed("LEFT_BRACKET", "RIGHT_BRACKET", "extras", () => {
    t.consume("WS");
    const extras = parseExtrasList(t);
    t.consume("WS");
    return extras;
  });
}

function parseExtrasList(t: Tokenizer): string[] {
  const extras: string[] = [];
  if (!t.check("IDENTIFIER")) return extras;
  extras.push(t.read());
  while (true) {
    t.consume("WS");
    if (t.check("IDENTIFIER", true)) t.fail("Expected comma between extra names");
    else if (!t.check("COMMA")) break;
    t.read();
    t.consume("WS");
    extras.push(t.expect("IDENTIFIER", "extra name after comma"));
  }
  return extras;
}

function parseSpecifier(t: Tokenizer): string {
  return t.enclosed("LEFT_PARENTHESIS", "RIGHT_PARENTHESIS", "version specifier", () => {
    t.consume("WS");
    const specs = parseVersionMany(t);
    t.consume("WS");
    return specs;
  });
}

function parseVersionMany(t: Tokenizer): string {
  let specs = "";
  while (t.check("SPECIFIER")) {
    const spanStart = t.position;
    specs += t.read();
    if (t.check("VERSION_PREFIX_TRAIL", true)) {
      t.fail(".* suffix can only be used with `==` or `!=` operators", spanStart, t.position + 1);
    }
    if (t.check("VERSION_LOCAL_LABEL_TRAIL", true)) {
      t.fail("Local version label can only be used with `==` or `!=` operators", spanStart, t.position);
    }
    t.consume("WS");
    if (!t.check("COMMA")) break;
    specs += t.read();
    t.consume("WS");
  }
  return specs;
}

export function parseMarkerSyntax(source: string): MarkerList {
  const t = new Tokenizer(source);
  const markers = parseMarkerList(t);
  t.expect("END", "end of marker expression");
  return markers;
}

function parseMarkerList(t: Tokenizer): MarkerList {
  const expression: MarkerList = [parseMarkerAtom(t)];
  while (t.check("BOOLOP")) {
    const op = t.read() as "and" | "or";
    expression.push(op, parseMarkerAtom(t));
  }
  return expression;
}

function parseMarkerAtom(t: Tokenizer): MarkerItem | MarkerList {
  t.consume("WS");
  let marker: MarkerItem | MarkerList;
  if (t.check("LEFT_PARENTHESIS", true)) {
    marker = t.enclosed("LEFT_PARENTHESIS", "RIGHT_PARENTHESIS", "marker expression", () => {
      t.consume("WS");
      const inner = parseMarkerList(t);
      t.consume("WS");
      return inner;
    });
  } else {
    marker = parseMarkerItem(t);
  }
  t.consume("WS");
  return marker;
}

function parseMarkerItem(t: Tokenizer): MarkerItem {
  t.consume("WS");
  const lhs = parseMarkerVar(t);
  t.consume("WS");
  const op = parseMarkerOp(t);
  t.consume("WS");
  const rhs = parseMarkerVar(t);
  t.consume("WS");
  return { lhs, op, rhs };
}

function parseMarkerVar(t: Tokenizer): MarkerVar {
  if (t.check("VARIABLE")) {
    const name = t.read().replace(/\./g, "_");
    const value = name === "python_implementation" ? "platform_python_implementation" : name;
    return { kind: "variable", value };
  }
  if (t.check("QUOTED_STRING")) {
    const start = t.position;
    const text = t.read();
    return { kind: "value", value: decodePythonString(text, start) };
  }
  return t.fail("Expected a marker variable or quoted string");
}

function parseMarkerOp(t: Tokenizer): MarkerOp {
  if (t.check("IN")) {
    t.read();
    return "in";
  }
  if (t.check("NOT")) {
    t.read();
    t.expect("WS", "whitespace after 'not'");
    t.expect("IN", "'in' after 'not'");
    return "not in";
  }
  if (t.check("OP")) return t.read() as MarkerOp;
  return t.fail("Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in");
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\n": "",
};

/**
 * `ast.literal_eval` of a quoted string token. Python rejects (SyntaxError) an escaped closing
 * quote, a raw line break and malformed \x/\u escapes; we report those as marker syntax errors.
 */
function decodePythonString(token: string, start: number): string {
  const body = token.slice(1, -1);
  const bad = (why: string): never => {
    throw new ParserSyntaxError(`Invalid string literal ${token} (${why})`, [start, start + token.length]);
  };
  if (/[\n\r\0]/.test(body.replace(/\\\n/g, ""))) bad("line break or NUL inside the quotes");
  if (!body.includes("\\")) return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    if (i + 1 >= body.length) bad("the closing quote is escaped");
    const e = body[++i]!;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
    } else if (e >= "0" && e <= "7") {
      let digits = e;
      while (digits.length < 3 && /[0-7]/.test(body[i + 1] ?? "")) digits += body[++i];
      out += String.fromCodePoint(parseInt(digits, 8));
    } else if (e === "x" || e === "u" || e === "U") {
      const n = e === "x" ? 2 : e === "u" ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) bad(`truncated \\${e} escape`);
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) bad(`\\${e} escape out of range`);
      out += String.fromCodePoint(cp);
      i += n;
    } else if (e === "N") {
      bad("named \\N{...} escapes are not supported");
    } else {
      out += `\\${e}`;
    }
  }
  return out;
}
