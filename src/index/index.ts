// Public surface of the index client (PEP 503/592/629/658/691/700/714). Other areas import only this.
export { createIndexClient, type IndexClient, type IndexClientOptions } from "./client.ts";
export {
  loadIndexSettings,
  orderedIndexes,
  DEFAULT_INDEX_URL,
  type IndexFlags,
  type IndexStrategy,
  type LoadIndexSettingsOptions,
} from "./settings.ts";
export type { DownloadOptions, DownloadProgress, DownloadResult } from "./download.ts";
export type { RangeResult } from "./range.ts";
export type { FetchLike } from "./http.ts";
export type { DistFile, HashMap, IndexSettings, ProjectPage, Sourced } from "./types.ts";
export {
  DownloadIncomplete,
  HashMismatch,
  IndexApiUnsupported,
  IndexError,
  IndexPageInvalid,
  IndexUnreachable,
  OfflineCacheMiss,
  ProjectNotFound,
} from "./errors.ts";
export { redactUrl, redactText } from "./redact.ts";
export { readCacheFile, writeCacheFile } from "./cacheFile.ts";
