import { InvalidArgumentError, type Command } from "commander";
import { addIndexOptions, indexFlagsFrom, type IndexOptionValues } from "../index/cliFlags.ts";

/**
 * `omnipkg stress-test`: installs several versions of a few packages per adopted interpreter and
 * switches between them mid-script in one process, checking each. Exit 1 when a check fails.
 */

interface StressFlags extends IndexOptionValues {
  python?: string[];
  packages?: string[];
  rounds?: number;
  json?: boolean;
}

function rounds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new InvalidArgumentError(`"${value}" is not a number of rounds (1-100).`);
  return n;
}

async function stressAction(flags: StressFlags): Promise<void> {
  const [{ runStressTest }, { printStressReport }] = await Promise.all([
    import("../operations/stressTest.ts"),
    import("./stressTestReport.ts"),
  ]);
  const tty = Boolean(process.stderr.isTTY) && !flags.json;
  const report = await runStressTest(
    {
      ...(flags.python?.length ? { pythons: flags.python } : {}),
      ...(flags.packages?.length ? { packages: flags.packages } : {}),
      ...(flags.rounds ? { rounds: flags.rounds } : {}),
      indexFlags: indexFlagsFrom(flags),
    },
    {
      ...(tty ? { progress: (m: string) => process.stderr.write(`${m}\n`) } : {}),
      warn: (m) => process.stderr.write(`warning: ${m}\n`),
    },
  );
  printStressReport(report, flags.json ?? false);
  if (!report.ok) process.exitCode = 1;
}

export function register(program: Command): void {
  const command = program
    .command("stress-test")
    .description(
      "install several versions of a few packages and switch between them mid-script, checking each",
    )
    .option("--python <versions...>", "adopted interpreters to test (default: every adopted one)")
    .option("--packages <specs...>", "NAME==V1,V2 per package (default: rich, requests, urllib3, numpy)")
    .option("--rounds <n>", "how many times each version is activated (default 2)", rounds)
    .option("--json", "print a machine-readable report");
  addIndexOptions(command)
    .addHelpText(
      "after",
      "\nThe indexes are merged (--index-strategy unsafe-best-match) unless you say otherwise, so a partial\n" +
        "local mirror listed as an extra index does not hide the versions the test needs.\n" +
        "\nExamples:\n  omnipkg stress-test\n  omnipkg stress-test --python 3.11 3.12 --packages rich==13.4.2,13.9.4",
    )
    .action(stressAction);
}
