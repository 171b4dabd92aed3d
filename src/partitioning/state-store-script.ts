/**
 * Apply one checkpoint of a partition's transformer state, fenced by the epoch.
 *
 * KEYS[1]      epoch counter of the partition (`meterflow:<g>:epoch:<pipeline>:<p>`), INCRed by
 *              every lease acquisition
 * KEYS[2]      meta hash of the partition's state: `epoch` and `batch` of the last write,
 *              `bytes`/`entries` totals, and per transformer index i: `k:i` kind, `b:i` bytes,
 *              `n:i` entries
 * KEYS[1+2n]   entries hash of the n-th op in ARGV[3] (field: cache key, value: JSON)
 * KEYS[2+2n]   global hash of the n-th op: field `.name` per top-level key of an object global,
 *              or `=` for a global that is not an object. Top-level keys are patched one by one
 *              because deltas carry only some of them (aggregator's `released`).
 *
 * ARGV[1]      the writer's epoch
 * ARGV[2]      id of the batch this checkpoint closes, or '' for none (the last id is kept)
 * ARGV[3]      JSON array of ops, in KEYS order:
 *              { "i": index, "k": kind, "full": bool, "g": [field, json, ...],
 *                "set": [key, json, ...], "del": [key, ...] }
 *              `full` drops what was stored for that index first; a non-empty `g` whose first
 *              field is `=` replaces the whole global. Values stay JSON strings so cjson never
 *              re-encodes a number (it would round to 14 digits).
 *
 * Returns { status, current epoch, bytes, entries }: status 1 applied, 0 batch already applied
 * (nothing changed), -1 refused because the counter is ahead of the writer (a newer owner).
 * A counter *behind* the writer is accepted: only a lost counter (Redis without persistence
 * restarted) can cause it, and refusing would stall the only legitimate owner.
 */
export const WRITE_STATE_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current > tonumber(ARGV[1]) then return {-1, current, 0, 0} end
local meta = KEYS[2]
local bytes = tonumber(redis.call('HGET', meta, 'bytes') or '0')
local entries = tonumber(redis.call('HGET', meta, 'entries') or '0')
if ARGV[2] ~= '' and redis.call('HGET', meta, 'batch') == ARGV[2] then
  return {0, current, bytes, entries}
end
-- Size of a hash field, 0 when absent (stored values are JSON, never empty).
local function size(key, field)
  local old = redis.call('HSTRLEN', key, field)
  if old > 0 then return #field + old end
  return 0
end
local ops = cjson.decode(ARGV[3])
for n, op in ipairs(ops) do
  local key, gkey = KEYS[1 + 2 * n], KEYS[2 + 2 * n]
  local i = tostring(op.i)
  local b = tonumber(redis.call('HGET', meta, 'b:' .. i) or '0')
  local c = tonumber(redis.call('HGET', meta, 'n:' .. i) or '0')
  bytes, entries = bytes - b, entries - c
  if op.full then
    redis.call('DEL', key, gkey)
    b, c = 0, 0
  end
  for j = 1, #op.del do
    local old = size(key, op.del[j])
    if redis.call('HDEL', key, op.del[j]) == 1 then b, c = b - old, c - 1 end
  end
  for j = 1, #op.set, 2 do
    local field, value = op.set[j], op.set[j + 1]
    local old = size(key, field)
    if redis.call('HSET', key, field, value) == 1 then c = c + 1 end
    b = b - old + #field + #value
  end
  if op.g[1] == '=' then
    -- A whole new global: whatever was patched in before goes.
    for _, field in ipairs(redis.call('HKEYS', gkey)) do b = b - size(gkey, field) end
    redis.call('DEL', gkey)
  elseif #op.g > 0 then
    b = b - size(gkey, '=')
    redis.call('HDEL', gkey, '=')
  end
  for j = 1, #op.g, 2 do
    b = b - size(gkey, op.g[j]) + #op.g[j] + #op.g[j + 1]
    redis.call('HSET', gkey, op.g[j], op.g[j + 1])
  end
  redis.call('HSET', meta, 'k:' .. i, op.k, 'b:' .. i, b, 'n:' .. i, c)
  bytes, entries = bytes + b, entries + c
end
redis.call('HSET', meta, 'epoch', ARGV[1], 'bytes', bytes, 'entries', entries)
if ARGV[2] ~= '' then redis.call('HSET', meta, 'batch', ARGV[2]) end
return {1, current, bytes, entries}
`;

/** One element of ARGV[3]. */
export interface WriteOp {
  i: number;
  k: string;
  full: boolean;
  g: string[];
  set: string[];
  del: string[];
}

/** The script's reply, decoded. */
export interface WriteReply {
  status: -1 | 0 | 1;
  current: number;
  bytes: number;
  entries: number;
}

export function decodeWriteReply(reply: unknown): WriteReply {
  if (!Array.isArray(reply) || reply.length !== 4 || !reply.every((v) => typeof v === 'number')) {
    throw new Error(`unexpected reply from the state write script: ${JSON.stringify(reply)}`);
  }
  const [status, current, bytes, entries] = reply as [number, number, number, number];
  if (status !== -1 && status !== 0 && status !== 1) throw new Error(`unexpected write status ${status}`);
  return { status, current, bytes, entries };
}
