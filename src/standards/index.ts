// Public API of the packaging standards core (PEP 440, 503, 508, 425, 427, 625, core metadata).
// Documented in docs/api.md; other folders and the `omnipkg/standards` subpath import only this.
export {
  InvalidVersion,
  InvalidSpecifier,
  InvalidRequirement,
  InvalidMarker,
  UndefinedComparison,
  UndefinedEnvironmentName,
  InvalidWheelFilename,
  InvalidSdistFilename,
  InvalidMetadata,
  InvalidName,
} from "./errors.ts";
export { Version, parseVersion, normalizeVersion, compareVersions, isValidVersion } from "./version.ts";
export type { VersionNumber, PreLabel } from "./version.ts";
export { Specifier, SpecifierSet, parseSpecifierSet } from "./specifier.ts";
export type { Operator, PrereleaseOption } from "./specifier.ts";
export { canonicalizeName, isNormalizedName, isValidProjectName, canonicalizeVersion } from "./names.ts";
export { Marker, parseMarker, evaluateMarker } from "./marker.ts";
export type { MarkerEnv, MarkerItem, MarkerList, MarkerOp, MarkerVar } from "./marker.ts";
export { Requirement, parseRequirement } from "./requirement.ts";
export { Tag, parseTag } from "./tag.ts";
export { parseWheelFilename, parseSdistFilename, sdistExtension, SDIST_EXTENSIONS } from "./filenames.ts";
export type { WheelFilename, SdistFilename } from "./filenames.ts";
export { parseCoreMetadata, parseRequiresDist, parseRequiresPython, metadataVersionOf } from "./metadata.ts";
export type { CoreMetadata } from "./metadata.ts";
export { supportedTags, platformTags, createTagRanker } from "./supportedTags.ts";
