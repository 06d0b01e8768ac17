import type { IndexOptionValues } from "../index/cliFlags.ts";

/**
 * `omnipkg swap NAME==VERSION`: the action only (src/cli/swap.ts owns the `swap` command and routes
 * a `NAME==VERSION` argument here). It loads the engine lazily, like every command file.
 */
export interface SwapPackageFlags extends IndexOptionValues {
  python?: string;
  env?: string;
  json?: boolean;
}

export async function swapPackageAction(spec: string, flags: SwapPackageFlags = {}): Promise<void> {
  const [{ swapPackage }, { indexFlagsFrom }, output] = await Promise.all([
    import("../operations/swapPackage.ts"),
    import("../index/cliFlags.ts"),
    import("../core/output.ts"),
  ]);
  const say = (line: string) => process.stderr.write(line + "\n");
  const report = await swapPackage(
    {
      spec,
      target: {
        ...(flags.python ? { python: flags.python } : {}),
        ...(flags.env ? { env: flags.env } : {}),
      },
      indexFlags: indexFlagsFrom(flags),
      command: ["omnipkg", ...process.argv.slice(2)].join(" "),
    },
    {
      info: flags.json ? undefined : say,
      warn: (m) => say(`warning: ${m}`),
      onLockWait: (pid) =>
        say(`Waiting for another omnipkg process${pid ? ` (pid ${pid})` : ""} using this environment...`),
    },
  );
  if (flags.json) {
    output.printJson(report);
    return;
  }
  const { paint, formatDuration } = output;
  const out = (line: string) => process.stdout.write(line + "\n");
  if (report.alreadyActive) {
    say(`${report.name}==${report.version} is already the version in main: nothing to change`);
    return;
  }
  say(
    `Swapped ${report.name} to ${report.version}${report.fromVersion ? ` (was ${report.fromVersion})` : ""} in ${formatDuration(report.ms)}`,
  );
  if (report.fetched.length > 0)
    say(
      `Fetched from the index (not in the store): ${report.fetched.map((p) => `${p.name}==${p.version}`).join(", ")}`,
    );
  for (const p of report.intoMain)
    out(` ${paint("green", "+")} ${p.name}==${p.version}${p.fromVersion ? ` (was ${p.fromVersion})` : ""}`);
  if (report.bubbleCreated) {
    const what = report.bubbleCreated.dists.map((d) => `${d.name}==${d.version}`).join(", ");
    out(
      ` ${paint("cyan", "~")} ${report.bubbleCreated.name}==${report.bubbleCreated.version} bubbled (${what || "no files"}) → ${report.bubbleCreated.path}`,
    );
  }
  if (report.bubbleRemoved)
    out(
      ` ${paint("red", "-")} bubble ${report.bubbleRemoved.name}==${report.bubbleRemoved.version} (now in main)`,
    );
  for (const b of report.bubblesRebuilt)
    out(` ${paint("cyan", "~")} ${b.name}==${b.version} rebuilt: it used main's old versions (${b.path})`);
  for (const s of report.staleBubbles)
    say(
      `warning: bubble ${s.name}==${s.version} takes ${s.dist}==${s.expects} from main, which now has ${s.main}; rebuild it with \`omnipkg uninstall ${s.name}==${s.version} && omnipkg install ${s.name}==${s.version}\``,
    );
}
