/**
 * Lua scripts: Redis runs each one atomically, so a change and its revision number land together or
 * not at all, and INCR inside the script is what keeps two machines or processes from taking the
 * same revision number. Scripts validate everything before their first write, because Redis does
 * not roll a script back if it fails half-way.
 *
 * Scripts derive per-environment keys from the home prefix (ARGV) with redis.sha1hex, matching
 * keys.ts; that is fine on a standalone server (omnipkg does not support Redis Cluster).
 */

/** KEYS: environments, dists, files, revisions, seq. ARGV: envId, nRemove, names..., nPut, (name, summary, files)..., revision|"" */
export const APPLY_CHANGE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return -1 end
local i = 2
local nRemove = tonumber(ARGV[i]); i = i + 1
for _ = 1, nRemove do
  redis.call('HDEL', KEYS[2], ARGV[i]); redis.call('HDEL', KEYS[3], ARGV[i]); i = i + 1
end
local nPut = tonumber(ARGV[i]); i = i + 1
for _ = 1, nPut do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]); redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 2]); i = i + 3
end
local revision = ARGV[i]
if revision == '' then return 0 end
local n = redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[4], n, revision)
return n
`;

/** KEYS: interpreters, environments. ARGV: envId, interpreterId, parentId|"", json. */
export const PUT_ENVIRONMENT = `
if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then return -1 end
if ARGV[3] ~= '' and redis.call('HEXISTS', KEYS[2], ARGV[3]) == 0 then return -2 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
return 1
`;

/**
 * Removes environments with their bubbles, distributions and history; with mode "interpreter" also
 * the interpreter and every environment on it. KEYS: interpreters, environments. ARGV: mode, id, home prefix.
 */
export const REMOVE_ENVIRONMENTS = `
local mode, id, prefix = ARGV[1], ARGV[2], ARGV[3]
local all = redis.call('HGETALL', KEYS[2])
local doomed = {}
for j = 1, #all, 2 do
  local env = cjson.decode(all[j + 1])
  if (mode == 'environment' and all[j] == id) or (mode == 'interpreter' and env.interpreterId == id) then
    doomed[all[j]] = true
  end
end
for j = 1, #all, 2 do
  local env = cjson.decode(all[j + 1])
  if type(env.parentId) == 'string' and doomed[env.parentId] then doomed[all[j]] = true end
end
local removed = 0
for envId in pairs(doomed) do
  local base = prefix .. ':env:' .. redis.sha1hex(envId)
  redis.call('DEL', base .. ':dists', base .. ':files', base .. ':revisions', base .. ':seq')
  redis.call('HDEL', KEYS[2], envId)
  removed = removed + 1
end
if mode == 'interpreter' then redis.call('HDEL', KEYS[1], id) end
return removed
`;
