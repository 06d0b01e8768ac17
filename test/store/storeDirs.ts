import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/**
 * Temp folders for the store tests, removed when the test file ends (`after` registers in the
 * calling file), plus a sorted recursive file listing to compare a store before and after.
 */
export function tempDirFactory(prefix: string, beforeCleanup: () => void = () => {}): () => string {
  const roots: string[] = [];
  after(() => {
    beforeCleanup();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), `omnipkg-${prefix}-`));
    roots.push(dir);
    return dir;
  };
}

/** Every file under a folder, recursively, relative names, sorted. */
export function listTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((p) => statSync(join(dir, p)).isFile())
    .sort();
}
