import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { HomeLayout } from "../core/home.ts";
import { errnoCode, OmnipkgError } from "../core/errors.ts";

/**
 * A shared Redis holds many machines' environments; each home keys its own records by a random id
 * made once and kept in `<home>/home-id`. It is created in a temp file and hard-linked into place,
 * so two first commands racing agree on one id (the loser reads the winner's).
 */
const HOME_ID = /^[0-9a-f]{32}$/;

export function homeIdFile(layout: HomeLayout): string {
  return join(layout.root, "home-id");
}

function readHomeId(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8").trim();
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  }
  if (!HOME_ID.test(text)) {
    throw new OmnipkgError("HOME_ID_INVALID", `The home id file ${file} does not hold a home id.`, {
      hint: "It keys this home's records in a shared knowledge base; restore it, or delete it to start a new identity.",
    });
  }
  return text;
}

export function ensureHomeId(layout: HomeLayout): string {
  const file = homeIdFile(layout);
  const existing = readHomeId(file);
  if (existing) return existing;
  mkdirSync(layout.root, { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(tmp, randomBytes(16).toString("hex") + "\n", { flag: "wx", flush: true });
    try {
      linkSync(tmp, file);
    } catch (error) {
      if (errnoCode(error) !== "EEXIST") throw error;
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  return readHomeId(file)!;
}
