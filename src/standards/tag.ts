/**
 * PEP 425 compatibility tags. A tag is (interpreter, abi, platform), always lower-case; a wheel's
 * "compressed tag set" ("py2.py3-none-any") expands to the cartesian product of its dotted parts.
 */
export class Tag {
  readonly interpreter: string;
  readonly abi: string;
  readonly platform: string;
  constructor(interpreter: string, abi: string, platform: string) {
    this.interpreter = interpreter.toLowerCase();
    this.abi = abi.toLowerCase();
    this.platform = platform.toLowerCase();
  }
  toString(): string {
    return `${this.interpreter}-${this.abi}-${this.platform}`;
  }
  toJSON(): string {
    return this.toString();
  }
  equals(other: Tag): boolean {
    return this.toString() === other.toString();
  }
}

/** Expand "cp39.cp310-abi3-manylinux1_x86_64.manylinux_2_5_x86_64" into its tags (unique, ordered). */
export function parseTag(text: string): Tag[] {
  const [interpreters = "", abis = "", platforms = ""] = text.split("-", 3);
  const seen = new Map<string, Tag>();
  for (const i of interpreters.split("."))
    for (const a of abis.split("."))
      for (const p of platforms.split(".")) {
        const tag = new Tag(i, a, p);
        seen.set(tag.toString(), tag);
      }
  return [...seen.values()];
}
