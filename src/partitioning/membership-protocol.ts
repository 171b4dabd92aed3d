/**
 * What group membership writes to Redis: key names, the announcement format and the Lua scripts.
 * Everything lives under `meterflow:<group>:` so several deployments can share one Redis, and every
 * change to a member's presence is one Lua script, so a heartbeat, a leave and a reaper can never
 * interleave half-way (tooz's WATCH/MULTI join and separate reaping could).
 */

/** The keys and the channel of one group. */
export interface GroupKeys {
  /** SET of member ids that joined and were not reaped yet. */
  readonly members: string;
  /** Pub/sub channel where joins and leaves are announced. */
  readonly events: string;
  /** STRING `info` with a PX expiry of the TTL: the member is alive while it exists. */
  member(id: string): string;
}

export function groupKeys(group: string): GroupKeys {
  const prefix = `meterflow:${group}:`;
  return {
    members: `${prefix}members`,
    events: `${prefix}events`,
    member: (id) => `${prefix}member:${id}`,
  };
}

/** A message on the events channel (JSON). */
export type Announcement =
  | { kind: 'joined'; member: string }
  | { kind: 'left'; member: string; reason: 'leave' | 'expired' };

export function encodeAnnouncement(a: Announcement): string {
  return JSON.stringify(a);
}

/** Parse an announcement; anything else on the channel (another version, garbage) is ignored. */
export function decodeAnnouncement(text: string): Announcement | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { kind, member, reason } = value as Record<string, unknown>;
  if (typeof member !== 'string') return undefined;
  if (kind === 'joined') return { kind, member };
  if (kind === 'left' && (reason === 'leave' || reason === 'expired')) return { kind, member, reason };
  return undefined;
}

/**
 * Join or heartbeat: refresh the member key, re-creating it (and announcing the join) when it is
 * gone — Redis restarted empty, or this process stalled past the TTL and was reaped.
 *
 * KEYS[1] member key `meterflow:<group>:member:<id>`
 * KEYS[2] members set `meterflow:<group>:members`
 * ARGV[1] member id
 * ARGV[2] member info (the member key's value)
 * ARGV[3] TTL in milliseconds
 * ARGV[4] events channel
 * ARGV[5] the join announcement to publish
 * ARGV[6] '1' for join() (always SET and announce), '0' for a heartbeat
 * Returns 1 when the member was (re)created and announced, 0 when it was only refreshed.
 */
export const BEAT_SCRIPT = `
local fresh = ARGV[6] == '1' or redis.call('PEXPIRE', KEYS[1], ARGV[3]) == 0
if fresh then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
local added = redis.call('SADD', KEYS[2], ARGV[1])
if fresh or added == 1 then
  redis.call('PUBLISH', ARGV[4], ARGV[5])
  return 1
end
return 0
`;

/**
 * Announced leave: remove the id from the set and delete the key in one step, so no reaper
 * can see the key gone while the id is still in the set and announce an "expired" instead.
 *
 * KEYS[1] member key, KEYS[2] members set
 * ARGV[1] member id, ARGV[2] events channel, ARGV[3] the leave announcement
 * Returns 1 when the member was present.
 */
export const LEAVE_SCRIPT = `
local removed = redis.call('SREM', KEYS[2], ARGV[1])
local deleted = redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
if removed == 1 or deleted == 1 then return 1 end
return 0
`;

/**
 * Lazy reaping of members whose key expired. Each candidate is checked again inside the script
 * (it may have re-joined since our MGET) and removed with SREM; only the caller whose SREM removed
 * it announces it, so two reapers racing produce one "left/expired", not two.
 *
 * KEYS[1] members set; KEYS[2..n+1] the candidates' member keys
 * ARGV[1] events channel; ARGV[2..n+1] the candidates' ids (same order as their keys)
 * Returns the ids this call removed.
 */
export const REAP_SCRIPT = `
local reaped = {}
for i = 2, #KEYS do
  local id = ARGV[i]
  if redis.call('EXISTS', KEYS[i]) == 0 and redis.call('SREM', KEYS[1], id) == 1 then
    redis.call('PUBLISH', ARGV[1], cjson.encode({kind = 'left', member = id, reason = 'expired'}))
    reaped[#reaped + 1] = id
  end
end
return reaped
`;

/**
 * Read-only: how long each member key has left, so watchers can check again exactly when the
 * first one expires instead of up to a check interval later.
 *
 * KEYS[1..n] member keys. ARGV none.
 * Returns each key's PTTL in ms (-2 gone, -1 no expiry), in KEYS order.
 */
export const EXPIRY_SCRIPT = `
local ttls = {}
for i = 1, #KEYS do ttls[i] = redis.call('PTTL', KEYS[i]) end
return ttls
`;
