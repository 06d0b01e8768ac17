/**
 * The wheel tags an interpreter accepts, most preferred first: packaging 24.x `sys_tags()`,
 * computed from the probe's facts instead of from inside the interpreter.
 *
 * Traps:
 * - Order is the preference: for CPython, cpXY-<abi>, then cpXY-abi3, then cpXY-none (each over all
 *   platforms), then abi3 for older minors (cp3(Y-1)-abi3 ... cp32-abi3), then pyXY/py3/py3(Y-1)...
 *   with platforms, then cpXY-none-any, then the py*-none-any fallbacks.
 * - The CPython ABI tag: "d" for debug builds, "t" for free-threaded 3.13+ (which gets no abi3),
 *   "m" for pymalloc before 3.8. A debug build also accepts the ABI without "d".
 * - manylinux_2_Y counts down from the interpreter's glibc to 2_5 (x86_64/i686) or 2_17 (others),
 *   with the legacy aliases manylinux2014 (2.17), manylinux2010 (2.12), manylinux1 (2.5) right after
 *   their PEP 600 twin. Only some architectures get manylinux at all. musllinux_1_Y counts down
 *   from the interpreter's musl. A 32-bit interpreter on a 64-bit kernel uses i686/armv8l+armv7l.
 * - Non-CPython interpreters use `generic_tags`: the ABI comes from EXT_SUFFIX ("pypy310_pp73").
 * - Not reproduced: a site-installed `_manylinux` module overriding compatibility, and the ELF
 *   checks of armv7l/i686 executables (we trust the probe's pointer size). On macOS, packaging
 *   asks `platform.mac_ver()`, which the probe does not record; we derive the macOS version from
 *   the Darwin kernel release.
 */
import type { InterpreterFacts } from "../python/facts.ts";
import { InvalidMetadata } from "./errors.ts";
import { Tag } from "./tag.ts";

const SHORT_NAMES: Record<string, string> = {
  python: "py",
  cpython: "cp",
  pypy: "pp",
  ironpython: "ip",
  jython: "jy",
};

type ConfigValue = number | string | null | undefined;
const truthy = (v: ConfigValue): boolean => Boolean(v);

function normalizeString(s: string): string {
  return s.replace(/[.\- ]/g, "_");
}

function cpythonAbis(facts: InterpreterFacts, major: number, minor: number): string[] {
  const version = `${major}${minor}`;
  const cv = facts.config_vars;
  const abis: string[] = [];
  let debug = "";
  let threading = "";
  let pymalloc = "";
  const withDebug = cv.Py_DEBUG;
  // packaging falls back to sys.gettotalrefcount when Py_DEBUG is unknown; "d" in abiflags says the same.
  if (truthy(withDebug) || (withDebug == null && facts.abiflags.includes("d"))) debug = "d";
  if ((major > 3 || (major === 3 && minor >= 13)) && truthy(cv.Py_GIL_DISABLED)) threading = "t";
  if (major === 3 && minor < 8) {
    if (truthy(cv.WITH_PYMALLOC) || cv.WITH_PYMALLOC == null) pymalloc = "m";
  } else if (debug) {
    abis.push(`cp${version}${threading}`);
  }
  abis.unshift(`cp${version}${threading}${debug}${pymalloc}`);
  return abis;
}

function cpythonTags(facts: InterpreterFacts, platforms: string[]): Tag[] {
  const [major, minor] = facts.version_info;
  const interpreter = `cp${major}${minor}`;
  const abis = cpythonAbis(facts, major, minor).filter((a) => a !== "abi3" && a !== "none");
  const tags: Tag[] = [];
  for (const abi of abis) for (const p of platforms) tags.push(new Tag(interpreter, abi, p));
  const threaded = /^cp\d+(.*)$/.exec(abis[0] ?? "")?.[1]?.includes("t") ?? false;
  const useAbi3 = (major > 3 || (major === 3 && minor >= 2)) && !threaded;
  if (useAbi3) for (const p of platforms) tags.push(new Tag(interpreter, "abi3", p));
  for (const p of platforms) tags.push(new Tag(interpreter, "none", p));
  if (useAbi3) {
    for (let m = minor - 1; m > 1; m--)
      for (const p of platforms) tags.push(new Tag(`cp${major}${m}`, "abi3", p));
  }
  return tags;
}

function genericAbi(facts: InterpreterFacts): string[] {
  const ext = facts.config_vars.EXT_SUFFIX;
  if (typeof ext !== "string" || ext[0] !== ".") {
    throw new InvalidMetadata(
      `The interpreter ${facts.executable} reports an invalid EXT_SUFFIX ${JSON.stringify(ext)}.`,
      "EXT_SUFFIX",
    );
  }
  const parts = ext.split(".");
  if (parts.length < 3) return cpythonAbis(facts, facts.version_info[0], facts.version_info[1]);
  const soabi = parts[1]!;
  let abi: string;
  if (soabi.startsWith("cpython")) abi = "cp" + (soabi.split("-")[1] ?? "");
  else if (soabi.startsWith("cp")) abi = soabi.split("-")[0]!;
  else if (soabi.startsWith("pypy")) abi = soabi.split("-").slice(0, 2).join("-");
  else if (soabi.startsWith("graalpy")) abi = soabi.split("-").slice(0, 3).join("-");
  else if (soabi) abi = soabi;
  else return [];
  return [normalizeString(abi)];
}

function genericTags(facts: InterpreterFacts, interpreter: string, platforms: string[]): Tag[] {
  const abis = genericAbi(facts);
  if (!abis.includes("none")) abis.push("none");
  const tags: Tag[] = [];
  for (const abi of abis) for (const p of platforms) tags.push(new Tag(interpreter, abi, p));
  return tags;
}

function* pyInterpreterRange(major: number, minor: number): Generator<string> {
  yield `py${major}${minor}`;
  yield `py${major}`;
  for (let m = minor - 1; m >= 0; m--) yield `py${major}${m}`;
}

function compatibleTags(facts: InterpreterFacts, interpreter: string | null, platforms: string[]): Tag[] {
  const [major, minor] = facts.version_info;
  const tags: Tag[] = [];
  for (const v of pyInterpreterRange(major, minor))
    for (const p of platforms) tags.push(new Tag(v, "none", p));
  if (interpreter) tags.push(new Tag(interpreter, "none", "any"));
  for (const v of pyInterpreterRange(major, minor)) tags.push(new Tag(v, "none", "any"));
  return tags;
}

const MANYLINUX_ARCHS = new Set(["x86_64", "aarch64", "ppc64", "ppc64le", "s390x", "loongarch64", "riscv64"]);
const LEGACY_MANYLINUX: Record<string, string> = {
  "2_17": "manylinux2014",
  "2_12": "manylinux2010",
  "2_5": "manylinux1",
};

function parseLibcVersion(version: string): [number, number] {
  const m = /^([0-9]+)\.([0-9]+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : [-1, -1];
}

function manylinuxTags(facts: InterpreterFacts, archs: string[]): string[] {
  const is32 = facts.pointer_bits === 32;
  // packaging checks the executable's ELF header for armv7l (hard-float) and i686; a 32-bit
  // interpreter reporting those architectures is what that check accepts.
  const compatible =
    archs.includes("armv7l") || archs.includes("i686") ? is32 : archs.some((a) => MANYLINUX_ARCHS.has(a));
  if (!compatible || facts.libc?.name !== "glibc") return [];
  const [curMajor, curMinor] = parseLibcVersion(facts.libc.version);
  const tooOld: [number, number] = archs.some((a) => a === "x86_64" || a === "i686") ? [2, 4] : [2, 16];
  const maxList: [number, number][] = [[curMajor, curMinor]];
  for (let major = curMajor - 1; major > 1; major--) maxList.push([major, 50]);
  const out: string[] = [];
  for (const arch of archs) {
    for (const [major, maxMinor] of maxList) {
      const minMinor = major === tooOld[0] ? tooOld[1] : -1;
      for (let minor = maxMinor; minor > minMinor; minor--) {
        out.push(`manylinux_${major}_${minor}_${arch}`);
        const legacy = LEGACY_MANYLINUX[`${major}_${minor}`];
        if (legacy) out.push(`${legacy}_${arch}`);
      }
    }
  }
  return out;
}

function musllinuxTags(facts: InterpreterFacts, archs: string[]): string[] {
  if (facts.libc?.name !== "musl") return [];
  const [major, minor] = parseLibcVersion(facts.libc.version);
  if (major < 0) return [];
  const out: string[] = [];
  for (const arch of archs) for (let m = minor; m >= 0; m--) out.push(`musllinux_${major}_${m}_${arch}`);
  return out;
}

function linuxPlatforms(facts: InterpreterFacts): string[] {
  let linux = normalizeString(facts.platform);
  if (!linux.startsWith("linux_")) return [linux];
  if (facts.pointer_bits === 32) {
    if (linux === "linux_x86_64") linux = "linux_i686";
    else if (linux === "linux_aarch64") linux = "linux_armv8l";
  }
  const arch = linux.slice("linux_".length);
  const archs = arch === "armv8l" ? ["armv8l", "armv7l"] : [arch];
  return [...manylinuxTags(facts, archs), ...musllinuxTags(facts, archs), ...archs.map((a) => `linux_${a}`)];
}

function macBinaryFormats(major: number, minor: number, arch: string): string[] {
  const before = (a: number, b: number): boolean => major < a || (major === a && minor < b);
  const after = (a: number, b: number): boolean => major > a || (major === a && minor > b);
  const formats = [arch];
  if (arch === "x86_64") {
    if (before(10, 4)) return [];
    formats.push("intel", "fat64", "fat32");
  } else if (arch === "i386") {
    if (before(10, 4)) return [];
    formats.push("intel", "fat32", "fat");
  } else if (arch === "ppc64") {
    if (after(10, 5) || before(10, 4)) return [];
    formats.push("fat64");
  } else if (arch === "ppc") {
    if (after(10, 6)) return [];
    formats.push("fat32", "fat");
  }
  if (arch === "arm64" || arch === "x86_64") formats.push("universal2");
  if (["x86_64", "i386", "ppc64", "ppc", "intel"].includes(arch)) formats.push("universal");
  return formats;
}

/** macOS version from the Darwin kernel release: Darwin 20 is macOS 11, Darwin 19 is 10.15. */
function macVersion(facts: InterpreterFacts): [number, number] {
  const darwin = Number(facts.marker_env.platform_release.split(".")[0]);
  if (!Number.isFinite(darwin) || darwin <= 0) return [10, 0];
  return darwin >= 20 ? [darwin - 9, 0] : [10, darwin - 4];
}

function macPlatforms(facts: InterpreterFacts): string[] {
  const [major, minor] = macVersion(facts);
  let arch = facts.marker_env.platform_machine;
  if (facts.pointer_bits === 32) arch = arch.startsWith("ppc") ? "ppc" : "i386";
  const out: string[] = [];
  if (major === 10) {
    for (let m = minor; m >= 0; m--)
      for (const f of macBinaryFormats(10, m, arch)) out.push(`macosx_10_${m}_${f}`);
  } else {
    for (let M = major; M > 10; M--)
      for (const f of macBinaryFormats(M, 0, arch)) out.push(`macosx_${M}_0_${f}`);
    for (let m = 16; m > 3; m--) {
      if (arch === "x86_64") for (const f of macBinaryFormats(10, m, arch)) out.push(`macosx_10_${m}_${f}`);
      else out.push(`macosx_10_${m}_universal2`);
    }
  }
  return out;
}

/** Platform tags of the interpreter, most specific first (packaging's `platform_tags()`). */
export function platformTags(facts: InterpreterFacts): string[] {
  const system = facts.marker_env.platform_system;
  if (system === "Darwin") return macPlatforms(facts);
  if (system === "Linux") return linuxPlatforms(facts);
  return [normalizeString(facts.platform)];
}

/** Every tag the interpreter accepts, most preferred first (`packaging.tags.sys_tags()`). */
export function supportedTags(facts: InterpreterFacts): Tag[] {
  const platforms = platformTags(facts);
  const name = SHORT_NAMES[facts.implementation] ?? facts.implementation;
  const [major, minor] = facts.version_info;
  const nodot = `${major}${minor}`;
  const tags =
    name === "cp" ? cpythonTags(facts, platforms) : genericTags(facts, `${name}${nodot}`, platforms);
  const interp = name === "pp" ? "pp3" : name === "cp" ? `cp${nodot}` : null;
  return [...tags, ...compatibleTags(facts, interp, platforms)];
}

/**
 * A ranking function for wheel selection: the index of the best supported tag among `tags`
 * (lower is better), or -1 when none is supported.
 */
export function createTagRanker(facts: InterpreterFacts): (tags: readonly Tag[]) => number {
  const rank = new Map<string, number>();
  supportedTags(facts).forEach((t, i) => {
    const key = t.toString();
    if (!rank.has(key)) rank.set(key, i);
  });
  return (tags) => {
    let best = -1;
    for (const t of tags) {
      const r = rank.get(t.toString());
      if (r !== undefined && (best < 0 || r < best)) best = r;
    }
    return best;
  };
}
