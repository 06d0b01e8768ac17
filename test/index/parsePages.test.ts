import assert from "node:assert/strict";
import { test } from "node:test";
import { IndexApiUnsupported, IndexPageInvalid } from "../../src/index/index.ts";
import { checkApiVersion } from "../../src/index/apiVersion.ts";
import { parseHtmlPage } from "../../src/index/parseHtml.ts";
import { parseJsonPage } from "../../src/index/parseJson.ts";

const PAGE = "https://idx.example/simple/demo/";

test("HTML: hashes, unescaped requires-python, yanked reasons, both metadata attributes, upload time", () => {
  const html = `<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1"></head><body>
    <a href="../../files/demo-1.0-py3-none-any.whl#sha256=ABCDEF01" data-requires-python="&gt;=3.8, &lt;4"
       data-core-metadata="sha256=00ff" data-upload-time="2024-01-02T03:04:05Z">demo-1.0-py3-none-any.whl</a>
    <a href="https://cdn.example/x/demo-1.1.tar.gz#md5=1234" data-yanked="">demo-1.1.tar.gz</a>
    <a href="demo-1.2.zip" data-yanked="bad &amp; broken" data-dist-info-metadata="true">demo-1.2.zip</a>
    <a href="demo%2B1.3.zip#egg=demo" data-core-metadata="true" data-dist-info-metadata="sha256=11">x</a>
    <a>no href</a>
  </body></html>`;
  const page = parseHtmlPage(html, PAGE, PAGE);
  assert.equal(page.apiVersion, "1.1");
  assert.equal(page.files.length, 4);
  const [a, b, c, d] = page.files;
  assert.equal(a!.url, "https://idx.example/files/demo-1.0-py3-none-any.whl");
  assert.deepEqual(a!.hashes, { sha256: "abcdef01" });
  assert.equal(a!.requiresPython, ">=3.8, <4");
  assert.deepEqual(a!.coreMetadata, { hashes: { sha256: "00ff" } });
  assert.equal(a!.uploadTime, "2024-01-02T03:04:05Z");
  assert.equal(a!.yanked, false);
  assert.equal(b!.yanked, true);
  assert.deepEqual(b!.hashes, { md5: "1234" });
  assert.equal(b!.coreMetadata, false);
  assert.equal(c!.yanked, "bad & broken");
  assert.deepEqual(
    c!.coreMetadata,
    { hashes: {} },
    "data-dist-info-metadata is read when the new name is absent",
  );
  assert.equal(c!.url, "https://idx.example/simple/demo/demo-1.2.zip");
  assert.equal(d!.filename, "demo+1.3.zip", "the file name is the decoded URL segment, not the text");
  assert.deepEqual(d!.hashes, {}, "#egg= is not a hash");
  assert.deepEqual(d!.coreMetadata, { hashes: {} }, "data-core-metadata wins over the older name");
});

test("HTML: <base href> changes what links resolve against; no meta means API 1.0", () => {
  const html = `<html><head><base href="https://mirror.example/pkgs/"></head>
    <body><a href="demo-1.0.tar.gz">demo-1.0.tar.gz</a></body></html>`;
  const page = parseHtmlPage(html, PAGE, PAGE);
  assert.equal(page.apiVersion, "1.0");
  assert.equal(page.files[0]!.url, "https://mirror.example/pkgs/demo-1.0.tar.gz");
});

test("HTML: malformed hashes and metadata values are errors naming the page", () => {
  const bad = [
    `<a href="demo-1.0.tar.gz#sha256=not-hex">x</a>`,
    `<a href="demo-1.0.tar.gz" data-core-metadata="sha256">x</a>`,
    `<meta name="pypi:repository-version" content="one"><a href="demo-1.0.tar.gz">x</a>`,
    `<a href="http://[::1">x</a>`,
  ];
  for (const html of bad) {
    assert.throws(
      () => parseHtmlPage(html, PAGE, "https://****@idx.example/simple/demo/"),
      (e: unknown) =>
        e instanceof IndexPageInvalid && e.message.includes("https://****@idx.example/simple/demo/"),
      html,
    );
  }
});

test("JSON: PEP 691/700/714 fields, yanked as pip reads it, relative URLs", () => {
  const json = JSON.stringify({
    meta: { "api-version": "1.1" },
    name: "demo",
    versions: ["1.0", "1.1", "2.0"],
    files: [
      {
        filename: "demo-1.0-py3-none-any.whl",
        url: "../../files/demo-1.0-py3-none-any.whl",
        hashes: { sha256: "AA11" },
        "requires-python": ">=3.7",
        "core-metadata": { sha256: "bb22" },
        "dist-info-metadata": false,
        yanked: false,
        "upload-time": "2024-01-02T03:04:05.123456Z",
        size: 1234,
      },
      {
        filename: "demo-1.1.tar.gz",
        url: "https://cdn.example/demo-1.1.tar.gz",
        hashes: {},
        yanked: "reason",
      },
      {
        filename: "demo-1.2.tar.gz",
        url: "demo-1.2.tar.gz",
        hashes: {},
        yanked: true,
        "dist-info-metadata": true,
      },
      { filename: "demo-1.3.tar.gz", url: "demo-1.3.tar.gz", hashes: {}, yanked: "" },
    ],
  });
  const page = parseJsonPage(json, PAGE, PAGE);
  assert.equal(page.name, "demo");
  assert.deepEqual(page.versions, ["1.0", "1.1", "2.0"]);
  const [a, b, c, d] = page.files;
  assert.equal(a!.url, "https://idx.example/files/demo-1.0-py3-none-any.whl");
  assert.deepEqual(a!.hashes, { sha256: "aa11" });
  assert.deepEqual(a!.coreMetadata, { hashes: { sha256: "bb22" } });
  assert.equal(a!.size, 1234);
  assert.equal(a!.uploadTime, "2024-01-02T03:04:05.123456Z");
  assert.equal(a!.requiresPython, ">=3.7");
  assert.equal(b!.yanked, "reason");
  assert.equal(b!.coreMetadata, false);
  assert.equal(c!.yanked, true);
  assert.deepEqual(c!.coreMetadata, { hashes: {} });
  assert.equal(d!.yanked, false, "pip reads an empty JSON reason as not yanked");
});

test("JSON: malformed pages are errors naming the page, never a crash", () => {
  const bad = [
    "{not json",
    "[]",
    JSON.stringify({ files: [] }),
    JSON.stringify({ meta: { "api-version": "1.0" } }),
    JSON.stringify({ meta: { "api-version": "1.0" }, files: [{ filename: "x.whl" }] }),
    JSON.stringify({ meta: { "api-version": "1.0" }, files: [{ filename: "x", url: "x", yanked: 3 }] }),
    JSON.stringify({ meta: { "api-version": "1.0" }, files: [{ filename: "x", url: "x", hashes: "abc" }] }),
    JSON.stringify({
      meta: { "api-version": "1.0" },
      files: [{ filename: "x", url: "x", "core-metadata": 1 }],
    }),
  ];
  for (const body of bad) {
    assert.throws(
      () => parseJsonPage(body, PAGE, PAGE),
      (e: unknown) => e instanceof IndexPageInvalid && e.message.includes(PAGE),
      body,
    );
  }
});

test("PEP 629: a newer minor warns, a newer major is refused, known versions pass quietly", () => {
  assert.equal(checkApiVersion("1.0", PAGE), undefined);
  assert.equal(checkApiVersion("1.4", PAGE), undefined);
  assert.match(checkApiVersion("1.9", PAGE) ?? "", /1\.9/);
  assert.throws(() => checkApiVersion("2.0", PAGE), IndexApiUnsupported);
  assert.throws(() => checkApiVersion("x", PAGE), IndexPageInvalid);
});
