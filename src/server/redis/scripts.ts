// The Lua scripts of the Redis Streams queue store. Every multi-step update runs as ONE script
// (EVALSHA via ioredis defineCommand), so it is atomic against every other server process sharing
// the Redis: "addCall is atomic" and "a row's first outcome wins" hold across machines.
//
// Every key a script touches comes in KEYS (names and hash tags: keys.ts), so a Redis Cluster routes
// the script to the node of its slot; the keys of one stream and its calls share a tag. KEYS:
//   [1..4]  the stream block: sk (stream) nk (waiting count) ld (last delivered id) rel (handed back)
//   [5..]   call blocks of 6 (keys.ts streamAndCallKeys): c (call hash) v (values) st (statuses) e (entry ids)
//           fin (finished zset of the tag) rb (held result bytes of the tag: a hash); block k starts at 5 + 6(k-1)
// ARGV[1] is the pub/sub channel ('a <stream>': rows became claimable, 'f <id> <id>…': calls
// finished; channels are not keys), ARGV[2] the consumer group.

// The held result bytes of a tag live in its rb HASH: field '#' is the tag's total (what the byte
// budget sums), and one field per call holds that call's share. The share is kept there, not in
// the call's hash, because a finished call's own keys expire by their TTL: the sweep that later
// deletes the expired call must still find what to take back, or the budget would leak.
const FORGET_LUA = `
-- Forgets call id's keys and gives its held result bytes back to the tag's total.
local function forget(ck, vk, stk, ek, fin, rb, id)
  local held = tonumber(redis.call('HGET', rb, id) or '0')
  if held > 0 then redis.call('HINCRBY', rb, '#', -held) end
  redis.call('HDEL', rb, id)
  redis.call('DEL', ck, vk, stk, ek)
  redis.call('ZREM', fin, id)
end
`;

const HELPERS = `
local CH, G = ARGV[1], ARGV[2]
local SK, NK, LD, REL = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local function field(fields, name)
  for i = 1, #fields, 2 do if fields[i] == name then return fields[i + 1] end end
  return false
end
local function inPel(eid)
  return #redis.call('XPENDING', SK, G, eid, eid, 1) > 0
end
-- stream entry id a > b ('ms-seq'; ms fits a Lua double exactly)
local function after(a, b)
  local am, as = string.match(a, '(%d+)-(%d+)')
  local bm, bs = string.match(b, '(%d+)-(%d+)')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end
-- runs cmd(key, [pre...], items...) in chunks (Lua's unpack has a stack limit); sums the replies
local function chunked(cmd, key, pre, items)
  local total = 0
  for i = 1, #items, 1000 do
    local args = {}
    for _, x in ipairs(pre) do args[#args + 1] = x end
    for j = i, math.min(i + 999, #items) do args[#args + 1] = items[j] end
    local r = redis.call(cmd, key, unpack(args))
    if type(r) == 'number' then total = total + r end
  end
  return total
end
-- The keys of call block k (1-based): c v st e fin rb.
local function callKeys(k)
  local b = 5 + 6 * (k - 1)
  return KEYS[b], KEYS[b + 1], KEYS[b + 2], KEYS[b + 3], KEYS[b + 4], KEYS[b + 5]
end
-- A finished call's keys expire on their own after the TTL its addCall set (a backstop: servers
-- delete a result once it is read, and sweep unread ones after their resultTtlMs), so keys of
-- finished calls stay bounded even when no server is left to sweep.
local function finish(k, id, now)
  local ck, vk, stk, ek, fin = callKeys(k)
  redis.call('HSET', ck, 'fin', now)
  redis.call('ZADD', fin, now, id)
  local ttl = tonumber(redis.call('HGET', ck, 'ttl') or '0')
  if ttl > 0 then
    for _, key in ipairs({ck, vk, stk, ek}) do redis.call('PEXPIRE', key, ttl) end
  end
end
${FORGET_LUA}`;

/**
 * KEYS: stream block, call block 1, the stream's tombstone. ARGV: CH G stream id fn version rows
 * createdAt ttl, then (index enqueuedAt values) per row. A retired stream refuses (EBRETIRED).
 */
const ADD_CALL = `${HELPERS}
local stream, id = ARGV[3], ARGV[4]
local ck, _, _, ek = callKeys(1)
if redis.call('EXISTS', KEYS[11]) == 1 then return redis.error_reply('EBRETIRED stream ' .. stream .. ' is retired') end
if redis.call('EXISTS', ck) == 1 then return redis.error_reply('ERR call id ' .. id .. ' already exists') end
if redis.call('EXISTS', SK) == 0 then redis.call('XGROUP', 'CREATE', SK, G, '0', 'MKSTREAM') end
local rows = tonumber(ARGV[7])
redis.call('HSET', ck, 'fn', ARGV[5], 'ver', ARGV[6], 'rows', ARGV[7], 'created', ARGV[8], 'stream', stream,
  'state', (rows == 0) and 'done' or 'pending', 'done', 0, 'failed', 0, 'ttl', ARGV[9])
if rows == 0 then finish(1, id, ARGV[8]) end
local emap = {}
local n = 0
for i = 10, #ARGV, 3 do
  emap[#emap + 1] = ARGV[i]
  emap[#emap + 1] = redis.call('XADD', SK, '*', 'c', id, 'i', ARGV[i], 't', ARGV[i + 1], 'v', ARGV[i + 2])
  n = n + 1
end
if n > 0 then
  chunked('HSET', ek, {}, emap)
  redis.call('INCRBY', NK, n)
  redis.call('PUBLISH', CH, 'a ' .. stream)
end
return n
`;

/** KEYS: stream block. ARGV: CH G. Answers { waiting rows (new + handed back), oldest enqueuedAt }. */
const PENDING = `${HELPERS}
if redis.call('EXISTS', SK) == 0 then return {0, false} end
local nrel = redis.call('LLEN', REL)
local n = tonumber(redis.call('GET', NK) or '0')
local e = false
if nrel > 0 then
  local head = redis.call('LINDEX', REL, 0)
  e = redis.call('XRANGE', SK, head, head)
elseif n > 0 then
  e = redis.call('XRANGE', SK, '(' .. (redis.call('GET', LD) or '0-0'), '+', 'COUNT', 1)
end
local oldest = false
if e and e[1] then oldest = field(e[1][2], 't') end
return {n + nrel, oldest}
`;

/**
 * KEYS: stream block. ARGV: CH G stream consumer reclaimIdleMs. Run by every server's recovery
 * timer (recovery-timer.ts), never on the request path. (1) Rows of lost workers (in the PEL, idle
 * past reclaimIdleMs: no heartbeat) go back to the head of the stream, in order. (2) Consumers with
 * nothing pending and idle that long are dropped from the group (each process is a new consumer:
 * without this the group's consumer list grows with every restart; a live one is re-created by its
 * next read). (3) XTRIM MINID drops entries older than the oldest live one (in flight or waiting):
 * completed entries are XDEL'd already, so this only catches what a crash between steps could leave.
 * Returns the number of rows handed back.
 */
const RECLAIM = `${HELPERS}
local stream, me = ARGV[3], ARGV[4]
if redis.call('EXISTS', SK) == 0 then return 0 end
local idle = tonumber(ARGV[5])
local back = 0
local cursor = '0-0'
repeat
  local r = redis.call('XAUTOCLAIM', SK, G, me, idle, cursor, 'COUNT', 1000, 'JUSTID')
  cursor = r[1]
  local ids = r[2]
  for j = #ids, 1, -1 do
    if not redis.call('LPOS', REL, ids[j]) then
      redis.call('LPUSH', REL, ids[j])
      back = back + 1
    end
  end
until cursor == '0-0' or back >= 10000
-- XAUTOCLAIM walks the PEL in id order and each page was pushed head-first in reverse: with more
-- than one page the head holds the LAST page. Re-sort the hand-back list by entry id.
if back > 1000 then
  local all = redis.call('LRANGE', REL, 0, -1)
  table.sort(all, function(a, b) return after(b, a) end)
  redis.call('DEL', REL)
  chunked('RPUSH', REL, {}, all)
end
if back > 0 then redis.call('PUBLISH', CH, 'a ' .. stream) end
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', SK, G)) do
  local name, pend, cidle = field(c, 'name'), field(c, 'pending'), field(c, 'idle')
  if name ~= me and tonumber(pend) == 0 and tonumber(cidle) > idle then
    redis.call('XGROUP', 'DELCONSUMER', SK, G, name)
  end
end
local live = false
local p = redis.call('XPENDING', SK, G)
if tonumber(p[1]) > 0 then live = p[2] end
local w = redis.call('XRANGE', SK, '(' .. (redis.call('GET', LD) or '0-0'), '+', 'COUNT', 1)
if w[1] and (not live or after(live, w[1][1])) then live = w[1][1] end
if live then redis.call('XTRIM', SK, 'MINID', live) else redis.call('XTRIM', SK, 'MAXLEN', 0) end
return back
`;

/** KEYS: stream block. ARGV: CH G stream consumer max. Handed-back rows first (XCLAIM), then new ones (XREADGROUP >). */
const CLAIM = `${HELPERS}
local me, max = ARGV[4], tonumber(ARGV[5])
if redis.call('EXISTS', SK) == 0 then return {} end
local out = {}
while #out < max do
  local eid = redis.call('LPOP', REL)
  if not eid then break end
  local c = redis.call('XCLAIM', SK, G, me, 0, eid)
  if c[1] then out[#out + 1] = c[1] end
end
if #out < max and tonumber(redis.call('GET', NK) or '0') > 0 then
  local r = redis.call('XREADGROUP', 'GROUP', G, me, 'COUNT', max - #out, 'STREAMS', SK, '>')
  if r and r[1] then
    local es = r[1][2]
    for j = 1, #es do out[#out + 1] = es[j] end
    if #es > 0 then
      redis.call('SET', LD, es[#es][1])
      redis.call('DECRBY', NK, #es)
    end
  end
end
return out
`;

/**
 * KEYS: stream block, call blocks. ARGV: CH G stream, then (call block, index) per row, in order.
 * In-flight rows of pending calls go back to the head.
 */
const RELEASE = `${HELPERS}
local stream = ARGV[3]
for j = #ARGV - 1, 4, -2 do
  local ck, _, _, ek = callKeys(tonumber(ARGV[j]))
  local idx = ARGV[j + 1]
  local eid = redis.call('HGET', ek, idx)
  if eid and inPel(eid) and not redis.call('LPOS', REL, eid) then
    if redis.call('HGET', ck, 'state') == 'pending' then
      redis.call('LPUSH', REL, eid)
    else
      redis.call('XACK', SK, G, eid)
      redis.call('XDEL', SK, eid)
    end
  end
end
redis.call('PUBLISH', CH, 'a ' .. stream)
return 0
`;

/**
 * KEYS: stream block, call blocks. ARGV: CH G stream now, then (call block, callId, index, kind,
 * payload) per outcome; kind 'v' = value (encoded), 'e' = row error (JSON `{code,message}`,
 * value-codec.ts encodeRowError). HSETNX on the status makes the first outcome win. Returns calls
 * now complete.
 */
const COMPLETE = `${HELPERS}
local now = ARGV[4]
local finished = {}
for j = 5, #ARGV, 5 do
  local k, cid, idx, kind, payload = tonumber(ARGV[j]), ARGV[j + 1], ARGV[j + 2], ARGV[j + 3], ARGV[j + 4]
  local ck, vk, stk, ek, _, rb = callKeys(k)
  local eid = redis.call('HGET', ek, idx)
  if eid then
    local acked = redis.call('XACK', SK, G, eid)
    redis.call('LREM', REL, 0, eid)
    if redis.call('XDEL', SK, eid) == 1 and acked == 0 then redis.call('DECR', NK) end
  end
  local status = 'ok'
  if kind == 'e' then status = payload end
  if redis.call('EXISTS', ck) == 1 and redis.call('HSETNX', stk, idx, status) == 1 then
    if kind == 'e' then redis.call('HINCRBY', ck, 'failed', 1) else
      redis.call('HSET', vk, idx, payload)
      -- Held result bytes (the result byte budget): per call, and per tag (summed over tags).
      redis.call('HINCRBY', rb, cid, #payload)
      redis.call('HINCRBY', rb, '#', #payload)
    end
    local done = redis.call('HINCRBY', ck, 'done', 1)
    if done == tonumber(redis.call('HGET', ck, 'rows')) then
      local state = redis.call('HGET', ck, 'state')
      if state == 'pending' then
        redis.call('HSET', ck, 'state', 'done')
        finish(k, cid, now)
        finished[#finished + 1] = cid
      elseif state == 'cancelled' and redis.call('HEXISTS', ck, 'fin') == 0 then
        finish(k, cid, now)
        finished[#finished + 1] = cid
      end
    end
  end
end
if #finished > 0 then redis.call('PUBLISH', CH, 'f ' .. table.concat(finished, ' ')) end
return finished
`;

/**
 * KEYS: the call's stream block, call block 1. ARGV: CH G id status now stream. Waiting rows (never
 * delivered, or handed back) get \`status\`; returns 1 if complete.
 */
const CANCEL = `${HELPERS}
local id, status, now = ARGV[3], ARGV[4], ARGV[5]
local ck, _, stk, ek = callKeys(1)
if redis.call('EXISTS', ck) == 0 or redis.call('HEXISTS', ck, 'fin') == 1 then return 0 end
if redis.call('HGET', ck, 'stream') ~= ARGV[6] then return redis.error_reply('ERR call ' .. id .. ' is not on stream ' .. ARGV[6]) end
redis.call('HSET', ck, 'state', 'cancelled')
local rows = tonumber(redis.call('HGET', ck, 'rows'))
-- Whole-call reads and chunked writes: a 100,000-row cancel is a few dozen commands, not 500,000.
local has = {}
for _, k in ipairs(redis.call('HKEYS', stk)) do has[k] = true end
local relset = {}
if redis.call('LLEN', REL) > 0 then
  for _, e in ipairs(redis.call('LRANGE', REL, 0, -1)) do relset[e] = true end
end
local ld = redis.call('GET', LD) or '0-0'
local waiting, handed, statuses = {}, {}, {}
local emap = redis.call('HGETALL', ek)
for j = 1, #emap, 2 do
  local idx, eid = emap[j], emap[j + 1]
  if not has[idx] then
    local drop = false
    if relset[eid] then
      handed[#handed + 1] = eid
      drop = true
    elseif after(eid, ld) then
      waiting[#waiting + 1] = eid
      drop = true
    end
    -- else: in a running batch; its outcome completes the call later
    if drop then
      statuses[#statuses + 1] = idx
      statuses[#statuses + 1] = status
    end
  end
end
local removed = chunked('XDEL', SK, {}, waiting)
if removed > 0 then redis.call('DECRBY', NK, removed) end
for _, eid in ipairs(handed) do redis.call('LREM', REL, 0, eid) end
chunked('XACK', SK, {G}, handed)
chunked('XDEL', SK, {}, handed)
local dropped = #statuses / 2
if dropped > 0 then
  chunked('HSET', stk, {}, statuses)
  redis.call('HINCRBY', ck, 'failed', dropped)
  redis.call('HINCRBY', ck, 'done', dropped)
end
if tonumber(redis.call('HGET', ck, 'done')) == rows then
  finish(1, id, now)
  redis.call('PUBLISH', CH, 'f ' .. id)
  return 1
end
return 0
`;

/**
 * KEYS: the call's stream block, call block 1. ARGV: CH G id stream. Forgets the call, its rows
 * waiting or in flight, and its result. (A call with no record left: FORGET_CALL.)
 */
const DELETE_CALL = `${HELPERS}
local id = ARGV[3]
local ck, vk, stk, ek, fin, rb = callKeys(1)
local stream = redis.call('HGET', ck, 'stream')
if stream then
  if stream ~= ARGV[4] then return redis.error_reply('ERR call ' .. id .. ' is not on stream ' .. ARGV[4]) end
  local ld = redis.call('GET', LD) or '0-0'
  -- Rows with an outcome were acknowledged and deleted then: only the others need touching, so
  -- expiring a finished call costs no stream work at all.
  local has = {}
  for _, k in ipairs(redis.call('HKEYS', stk)) do has[k] = true end
  local waiting, delivered = {}, {}
  local emap = redis.call('HGETALL', ek)
  for j = 1, #emap, 2 do
    local eid = emap[j + 1]
    if not has[emap[j]] then
      if after(eid, ld) then waiting[#waiting + 1] = eid else delivered[#delivered + 1] = eid end
    end
  end
  local removed = chunked('XDEL', SK, {}, waiting)
  if removed > 0 then redis.call('DECRBY', NK, removed) end
  if redis.call('LLEN', REL) > 0 then
    for _, eid in ipairs(delivered) do redis.call('LREM', REL, 0, eid) end
  end
  chunked('XACK', SK, {G}, delivered)
  chunked('XDEL', SK, {}, delivered)
end
forget(ck, vk, stk, ek, fin, rb, id)
return 0
`;

/**
 * KEYS: call block 1 alone (c v st e fin rb, one slot). ARGV: CH G id. Forgets a call whose record
 * is gone (its keys expired by their TTL, or it never existed): its leftovers, and its held result
 * bytes go back to the tag's total.
 */
const FORGET_CALL = `${FORGET_LUA}
forget(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], ARGV[3])
return 0
`;

/**
 * KEYS: stream block, the stream's tombstone, the tag's fin and rb. ARGV: CH G ttl. Retires a stream
 * (its version was replaced or removed): the tombstone closes it to new rows at once; once no row
 * waits or runs in it, the stream and its counters are deleted; once no finished call of its tag is
 * left (results read or expired), the tag's keys too, and the tombstone gets its TTL. Returns 0: rows
 * left (try again later), 1: stream deleted, results remain, 2: all gone.
 */
const RETIRE = `${HELPERS}
local GONE, FIN, RB = KEYS[5], KEYS[6], KEYS[7]
if redis.call('EXISTS', GONE) == 0 then redis.call('SET', GONE, '1') end
if redis.call('EXISTS', SK) == 1 then
  if tonumber(redis.call('GET', NK) or '0') > 0 or redis.call('LLEN', REL) > 0 or redis.call('XPENDING', SK, G)[1] > 0 then return 0 end
end
redis.call('DEL', SK, NK, LD, REL)
if redis.call('ZCARD', FIN) > 0 then return 1 end
redis.call('DEL', FIN, RB)
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('PEXPIRE', GONE, ttl) end
return 2
`;

/**
 * KEYS: (sk nk) per stream. ARGV: CH G. Rows waiting + in flight, summed. On a Redis Cluster the
 * store runs it once per stream (one slot each); on one Redis once for all of them.
 */
const DEPTH = `
local G = ARGV[2]
local total = 0
for i = 1, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    total = total + tonumber(redis.call('GET', KEYS[i + 1]) or '0') + redis.call('XPENDING', KEYS[i], G)[1]
  end
end
return total
`;

export const SCRIPTS = {
  ebAddCall: ADD_CALL,
  ebPending: PENDING,
  ebReclaim: RECLAIM,
  ebClaim: CLAIM,
  ebRelease: RELEASE,
  ebComplete: COMPLETE,
  ebCancel: CANCEL,
  ebDeleteCall: DELETE_CALL,
  ebForgetCall: FORGET_CALL,
  ebDepth: DEPTH,
  ebRetire: RETIRE,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
