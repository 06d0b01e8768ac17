import { redactUrl } from "./redact.ts";
import { orderedIndexes } from "./settings.ts";
import type { IndexSettings, Sourced } from "./types.ts";

/**
 * `omnipkg config show`: the effective index settings with their sources, URLs redacted. The same
 * rows feed the table and the JSON, so the two cannot disagree.
 */

export interface SettingRow {
  key: string;
  value: string | number | boolean | string[] | null;
  source: string;
}

export function describeSettings(settings: IndexSettings): { settings: SettingRow[]; indexOrder: string[] } {
  const row = <T>(key: string, field: Sourced<T>, map: (v: T) => SettingRow["value"]): SettingRow => ({
    key,
    value: map(field.value),
    source: field.source,
  });
  const url = (v: string | undefined): string | null => (v === undefined ? null : redactUrl(v));
  const urls = (v: string[]): string[] => v.map(redactUrl);
  return {
    settings: [
      row("index-url", settings.indexUrl, url),
      row("extra-index-url", settings.extraIndexUrls, urls),
      row("find-links", settings.findLinks, urls),
      row("index-strategy", settings.indexStrategy, (v) => v),
      row("no-index", settings.noIndex, (v) => v),
      row("timeout", settings.timeoutSec, (v) => v),
      row("retries", settings.retries, (v) => v),
      row("offline", settings.offline, (v) => v),
      row("concurrency", settings.concurrency, (v) => v),
      row("cache-dir", settings.cacheDir, (v) => v),
      row("netrc", settings.netrcFile, (v) => v ?? null),
    ],
    indexOrder: orderedIndexes(settings).map(redactUrl),
  };
}
