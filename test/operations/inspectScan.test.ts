import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { listInstalled } from "../../src/install/distInfo.ts";
import type { InstallScheme } from "../../src/install/scheme.ts";
import { scanInstalled } from "../../src/operations/inspectScan.ts";

/** Install's lister is the reference: the listing scan must find exactly what it finds. */
describe("scanInstalled agrees with listInstalled while reading less", () => {
  let dir: string;
  let scheme: InstallScheme;

  function distInfo(folder: string, files: Record<string, string>): void {
    const path = join(scheme.purelib, folder);
    mkdirSync(path, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(path, name), text);
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "omnipkg-scan-"));
    const site = join(dir, "lib", "python3.11", "site-packages");
    scheme = { purelib: site, platlib: site } as InstallScheme;
    const body = "\n" + "A long description line.\n".repeat(8000);
    distInfo("plain-1.0.dist-info", {
      METADATA: "Metadata-Version: 2.1\nName: Plain\nVersion: 1.0\n" + body,
      INSTALLER: "pip\n",
      REQUESTED: "",
    });
    // Headers longer than the head read, with Version last: the whole file must be read.
    const classifiers = Array.from({ length: 900 }, (_, i) => `Classifier: Topic :: Item ${i}\n`).join("");
    distInfo("Long_Headers-2.0.dist-info", {
      METADATA: `Metadata-Version: 2.1\nName: Long_Headers\n${classifiers}Version: 2.0\n${body}`,
      INSTALLER: "\n",
    });
    distInfo("crlf-3.0.dist-info", {
      METADATA: "Metadata-Version: 2.1\r\nName: crlf\r\nVersion: 3.0\r\n\r\nbody\r\n",
      "direct_url.json": '{"url": "file:///src/crlf", "dir_info": {"editable": true}}',
    });
    distInfo("no_metadata-1.0.dist-info", { RECORD: "" });
    distInfo("no_version-1.0.dist-info", {
      METADATA: "Metadata-Version: 2.1\nName: no_version\n\nVersion: 9\n",
    });
    distInfo("second.name-1.0.dist-info", { METADATA: "Name: second.name\nVersion: 1.0\nName: other\n" });
    mkdirSync(join(dir, "elsewhere", "linked-4.0.dist-info"), { recursive: true });
    writeFileSync(join(dir, "elsewhere", "linked-4.0.dist-info", "METADATA"), "Name: linked\nVersion: 4.0\n");
    symlinkSync(join(dir, "elsewhere", "linked-4.0.dist-info"), join(scheme.purelib, "linked-4.0.dist-info"));
    writeFileSync(join(scheme.purelib, "stray.dist-info"), "a file, not a folder");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("finds the same distributions, in the same order, with the same fields", () => {
    const expected = listInstalled(scheme).map(({ wheelSha256: _, ...rest }) => rest);
    const scanned = scanInstalled(scheme).map(({ hasDirectUrl: _, ...rest }) => rest);
    assert.deepEqual(scanned, expected);
    assert.deepEqual(
      scanned.map((d) => `${d.name}==${d.version}`),
      ["crlf==3.0", "linked==4.0", "Long_Headers==2.0", "Plain==1.0", "second.name==1.0"],
    );
  });

  it("knows which distributions carry a direct_url.json without opening it", () => {
    const flagged = scanInstalled(scheme)
      .filter((d) => d.hasDirectUrl)
      .map((d) => d.name);
    assert.deepEqual(flagged, ["crlf"]);
  });
});
