import { createHash } from "node:crypto";

/**
 * Key layout. Everything lives under `omnipkg:1:` (1 = layout version). This home's records sit
 * under `home:<home id>:`; package metadata and compatibility results under `shared:`, for every
 * machine using the server. Per-environment keys use sha1(env id) so any id is a safe key part and
 * Lua scripts can derive the same name with redis.sha1hex.
 */
export const ROOT = "omnipkg:1";

export interface HomeKeys {
  prefix: string;
  probes: string;
  interpreters: string;
  environments: string;
  storeRefs: string;
  env(envId: string): EnvKeys;
}

export interface EnvKeys {
  dists: string;
  files: string;
  revisions: string;
  revisionSeq: string;
}

export const SHARED = {
  compat: `${ROOT}:shared:compat`,
  projects: `${ROOT}:shared:projects`,
  blobs: `${ROOT}:shared:blobs`,
};

export function envKeysFor(prefix: string, envId: string): EnvKeys {
  const base = `${prefix}:env:${createHash("sha1").update(envId).digest("hex")}`;
  return {
    dists: `${base}:dists`,
    files: `${base}:files`,
    revisions: `${base}:revisions`,
    revisionSeq: `${base}:seq`,
  };
}

export function homeKeys(homeId: string): HomeKeys {
  const prefix = `${ROOT}:home:${homeId}`;
  return {
    prefix,
    probes: `${prefix}:probes`,
    interpreters: `${prefix}:interpreters`,
    environments: `${prefix}:environments`,
    storeRefs: `${prefix}:storerefs`,
    env: (envId) => envKeysFor(prefix, envId),
  };
}

/** Field names of the shared hashes; NUL cannot appear in package names, versions or file names. */
export function compatField(pkg: string, version: string, interpreter: string): string {
  return `${pkg}\0${version}\0${interpreter}`;
}

export function blobField(project: string, filename: string): string {
  return `${project}\0${filename}`;
}
