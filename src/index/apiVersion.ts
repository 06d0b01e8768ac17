import { IndexApiUnsupported, IndexPageInvalid } from "./errors.ts";

/**
 * PEP 629: pages carry the simple API version as "major.minor". A newer major means the client
 * cannot read the page safely (error); a newer minor only adds optional data (warning). Minors
 * 1.1 (PEP 700), 1.2 (PEP 708), 1.3 (PEP 740) and 1.4 (PEP 792) add fields this client may ignore,
 * so they are known and do not warn.
 */
export const SUPPORTED_API_MAJOR = 1;
export const KNOWN_API_MINOR = 4;

/** Returns a warning text for a newer minor, throws for a newer major or a malformed value. */
export function checkApiVersion(version: string, displayUrl: string): string | undefined {
  const match = /^\s*(\d+)\.(\d+)\s*$/.exec(version);
  if (!match) throw new IndexPageInvalid(displayUrl, `the API version "${version}" is not "major.minor"`);
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major > SUPPORTED_API_MAJOR) throw new IndexApiUnsupported(displayUrl, version);
  if (major === SUPPORTED_API_MAJOR && minor > KNOWN_API_MINOR) {
    return `The index at ${displayUrl} uses simple API version ${version}, newer than ${SUPPORTED_API_MAJOR}.${KNOWN_API_MINOR}; some of its data may be ignored.`;
  }
  return undefined;
}
