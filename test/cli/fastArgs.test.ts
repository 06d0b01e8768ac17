import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Command } from "commander";
import { fastParse } from "../../src/cli/fastArgs.ts";
import { register } from "../../src/cli/install.ts";
import { installOptionSpecs } from "../../src/cli/installOptions.ts";

/**
 * The warm-install entry reads `omnipkg install ...` without commander. Whatever it accepts it must
 * read exactly as commander does (same operands, same option values); whatever it is unsure of it
 * must refuse, so the full CLI answers. Commander here is configured as src/cli/main.ts configures
 * it, with the real registration of the install command and only its action replaced.
 */

type Parsed = { operands: string[]; values: Record<string, unknown> } | { error: string };

async function commanderParse(args: string[]): Promise<Parsed> {
  const program = new Command()
    .name("omnipkg")
    .version("0.1.0", "-V, --version")
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} });
  register(program);
  let parsed: Parsed | undefined;
  const install = program.commands.find((c) => c.name() === "install")!;
  install.action((operands: string[], values: Record<string, unknown>) => {
    parsed = { operands, values: { ...values } };
  });
  try {
    await program.parseAsync(["node", "omnipkg", "install", ...args]);
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
  return parsed ?? { error: "no action" };
}

const fast = (args: string[]) => fastParse(installOptionSpecs(), args);

async function assertSameAsCommander(args: string[]): Promise<void> {
  const mine = fast(args);
  assert.ok(mine, `the fast reader should accept ${JSON.stringify(args)}`);
  assert.deepEqual(mine, await commanderParse(args), JSON.stringify(args));
}

describe("fast install argument reader", () => {
  it("declares exactly the options commander registers for install", () => {
    const program = new Command();
    register(program);
    const install = program.commands.find((c) => c.name() === "install")!;
    assert.deepEqual(
      install.options.map((o) => o.flags),
      installOptionSpecs().map((s) => s.flags),
    );
  });

  it("reads the usual command lines exactly as commander does", async () => {
    const cases = [
      [],
      ["rich"],
      ["rich==13.9.4", "click>=8", "attrs"],
      ["--env", "/tmp/venv", "pandas", "requests"],
      ["pandas", "--env=/tmp/venv", "--json"],
      ["-r", "requirements.txt", "-r", "more.txt", "-c", "constraints.txt"],
      ["-rrequirements.txt", "--requirement=other.txt", "--constraint", "c.txt", "-cc2.txt"],
      ["--python", "3.11", "--no-deps", "--dry-run", "--pre", "--reinstall", "--compile"],
      ["--strategy", "latest-active", "rich==13.4.2", "rich==13.9.4"],
      ["--strategy=bogus", "rich"], // the action rejects it, not the reader
      [
        "--index-url",
        "file:///opt/pypi/simple",
        "--extra-index-url",
        "file:///a",
        "--extra-index-url=file:///b",
      ],
      ["--find-links", "/wheels", "--find-links=/more", "--no-index", "--offline"],
      ["--timeout", "2.5", "--retries", "0", "--index-strategy", "unsafe-best-match", "x"],
      ["--index-strategy=first-index", "--timeout=30", "--retries=3"],
      ["--env=", "rich"],
      ["-", "rich"],
      ["--json", "--json", "--env", "a", "--env", "b"],
      ["help"],
      ["-r", "-"],
      ["rich @ https://example.org/rich-13.9.4-py3-none-any.whl", "./local.whl"],
      ["foo>>1"],
    ];
    for (const args of cases) await assertSameAsCommander(args);
  });

  it("leaves help, version, errors and unusual shapes to commander", async () => {
    const cases = [
      ["--help"],
      ["-h"],
      ["rich", "-V"],
      ["--version"],
      ["--bogus"],
      ["-x"],
      ["--env"],
      ["--env", "-V"],
      ["--env", "--json"],
      ["-r"],
      ["--json=yes"],
      ["--no-deps=1"],
      ["--timeout", "soon"],
      ["--timeout=-1"],
      ["--retries", "1.5"],
      ["--index-strategy", "best"],
      ["--", "rich"],
      ["-5"],
      ["--dry"],
    ];
    for (const args of cases) assert.equal(fast(args), undefined, JSON.stringify(args));
    // and commander answers them itself (help or an error), never through the action
    for (const args of cases.slice(0, 4)) assert.ok("error" in (await commanderParse(args)));
  });

  it("agrees with commander on random command lines it accepts", async () => {
    const words =
      "rich rich==13.9.4 - -r req.txt -rreq.txt --requirement --requirement=a.txt -c c.txt --env venv --env= --no-deps --dry-run --pre --json --json=1 --timeout 5 --timeout=0 --retries -1 --retries=2 --index-strategy first-index --no-index --offline -- -V -h --find-links --extra-index-url --index-url=u --strategy latest-active --python 3.11 --reinstall --compile --nope -x -5".split(
        " ",
      );
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let accepted = 0;
    for (let n = 0; n < 1500; n++) {
      const args = Array.from(
        { length: Math.floor(random() * 7) },
        () => words[Math.floor(random() * words.length)]!,
      );
      const mine = fast(args);
      if (!mine) continue;
      accepted++;
      assert.deepEqual(mine, await commanderParse(args), JSON.stringify(args));
    }
    assert.ok(accepted > 200, `only ${accepted} random command lines took the fast path`);
  });
});
