// The Lua scripts of the Redis Streams queue store. Every multi-step update runs as ONE script
// (EVALSHA via ioredis defineCommand), so it is atomic against every other server process sharing
// the Redis: "addCall is atomic" and "a row's first outcome wins" hold across machines.
//
// Keys, under the prefix P (all ARGV, so one prefix isolates a deployment or a test):
//   P s:<stream>    the row stream (XADD; fields c=call id, i=row index, t=enqueuedAt, v=values)
//                   with the consumer group G; its PEL holds the rows in flight
//   P n:<stream>    rows appended and not yet delivered to the group (waiting, never claimed)
//   P ld:<stream>   the id of the last entry delivered by XREADGROUP (first waiting entry follows)
//   P rel:<stream>  ids of rows handed back (release or a lost worker), head first; still in the PEL
//   P streams       set of stream names (depth over all)
//   P c:<id>        call hash: fn ver rows created stream state done failed ttl [fin]
//                   (with v: st: e:, expires `ttl` ms after the call finished)
//   P v:<id>        row index -> encoded result value       P st:<id>  row index -> 'ok' | error JSON {code,message}
//   P e:<id>        row index -> stream entry id            P fin      zset call id by finishedAt
//   P events        pub/sub channel: 'a <stream>' rows became claimable, 'f <id> <id>…' calls finished

const HELPERS = `
local P, G = ARGV[1], ARGV[2]
local function field(fields, name)
  for i = 1, #fields, 2 do if fields[i] == name then return fields[i + 1] end end
  return false
end
local function inPel(sk, eid)
  return #redis.call('XPENDING', sk, G, eid, eid, 1) > 0
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
-- A finished call's keys expire on their own after the TTL its addCall set (a backstop: servers
-- delete a result once it is read, and sweep unread ones after their resultTtlMs), so keys of
-- finished calls stay bounded even when no server is left to sweep.
local function finish(ck, id, now)
  redis.call('HSET', ck, 'fin', now)
  redis.call('ZADD', P .. 'fin', now, id)
  local ttl = tonumber(redis.call('HGET', ck, 'ttl') or '0')
  if ttl > 0 then
    for _, k in ipairs({ck, P .. 'v:' .. id, P .. 'st:' .. id, P .. 'e:' .. id}) do redis.call('PEXPIRE', k, ttl) end
  end
end
`;

/** ARGV: P G stream id fn version rows createdAt ttl, then (index enqueuedAt values) per row. */
const ADD_CALL = `${HELPERS}
local stream, id = ARGV[3], ARGV[4]
local ck = P .. 'c:' .. id
if redis.call('EXISTS', ck) == 1 then return redis.error_reply('ERR call id ' .. id .. ' already exists') end
local sk = P .. 's:' .. stream
if redis.call('EXISTS', sk) == 0 then redis.call('XGROUP', 'CREATE', sk, G, '0', 'MKSTREAM') end
redis.call('SADD', P .. 'streams', stream)
local rows = tonumber(ARGV[7])
redis.call('HSET', ck, 'fn', ARGV[5], 'ver', ARGV[6], 'rows', ARGV[7], 'created', ARGV[8], 'stream', stream,
  'state', (rows == 0) and 'done' or 'pending', 'done', 0, 'failed', 0, 'ttl', ARGV[9])
if rows == 0 then finish(ck, id, ARGV[8]) end
local emap = {}
local n = 0
for i = 10, #ARGV, 3 do
  emap[#emap + 1] = ARGV[i]
  emap[#emap + 1] = redis.call('XADD', sk, '*', 'c', id, 'i', ARGV[i], 't', ARGV[i + 1], 'v', ARGV[i + 2])
  n = n + 1
end
if n > 0 then
  chunked('HSET', P .. 'e:' .. id, {}, emap)
  redis.call('INCRBY', P .. 'n:' .. stream, n)
  redis.call('PUBLISH', P .. 'events', 'a ' .. stream)
end
return n
`;

/** ARGV: P G stream. Answers { waiting rows (new + handed back), oldest enqueuedAt }. */
const PENDING = `${HELPERS}
local stream = ARGV[3]
local sk, rel = P .. 's:' .. stream, P .. 'rel:' .. stream
if redis.call('EXISTS', sk) == 0 then return {0, false} end
local nrel = redis.call('LLEN', rel)
local n = tonumber(redis.call('GET', P .. 'n:' .. stream) or '0')
local e = false
if nrel > 0 then
  local head = redis.call('LINDEX', rel, 0)
  e = redis.call('XRANGE', sk, head, head)
elseif n > 0 then
  e = redis.call('XRANGE', sk, '(' .. (redis.call('GET', P .. 'ld:' .. stream) or '0-0'), '+', 'COUNT', 1)
end
local oldest = false
if e and e[1] then oldest = field(e[1][2], 't') end
return {n + nrel, oldest}
`;

/**
 * ARGV: P G stream consumer reclaimIdleMs. Run by every server's recovery timer (recovery-timer.ts),
 * never on the request path. (1) Rows of lost workers (in the PEL, idle past reclaimIdleMs: no
 * heartbeat) go back to the head of the stream, in order. (2) Consumers with nothing pending and
 * idle that long are dropped from the group (each process is a new consumer: without this the
 * group's consumer list grows with every restart; a live one is re-created by its next read).
 * (3) XTRIM MINID drops entries older than the oldest live one (in flight or waiting): completed
 * entries are XDEL'd already, so this only catches what a crash between steps could leave.
 * Returns the number of rows handed back.
 */
const RECLAIM = `${HELPERS}
local stream, me = ARGV[3], ARGV[4]
local sk, rel = P .. 's:' .. stream, P .. 'rel:' .. stream
if redis.call('EXISTS', sk) == 0 then return 0 end
local idle = tonumber(ARGV[5])
local back = 0
local cursor = '0-0'
repeat
  local r = redis.call('XAUTOCLAIM', sk, G, me, idle, cursor, 'COUNT', 1000, 'JUSTID')
  cursor = r[1]
  local ids = r[2]
  for j = #ids, 1, -1 do
    if not redis.call('LPOS', rel, ids[j]) then
      redis.call('LPUSH', rel, ids[j])
      back = back + 1
    end
  end
until cursor == '0-0' or back >= 10000
-- XAUTOCLAIM walks the PEL in id order and each page was pushed head-first in reverse: with more
-- than one page the head holds the LAST page. Re-sort the hand-back list by entry id.
if back > 1000 then
  local all = redis.call('LRANGE', rel, 0, -1)
  table.sort(all, function(a, b) return after(b, a) end)
  redis.call('DEL', rel)
  chunked('RPUSH', rel, {}, all)
end
if back > 0 then redis.call('PUBLISH', P .. 'events', 'a ' .. stream) end
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', sk, G)) do
  local name, pend, cidle = field(c, 'name'), field(c, 'pending'), field(c, 'idle')
  if name ~= me and tonumber(pend) == 0 and tonumber(cidle) > idle then
    redis.call('XGROUP', 'DELCONSUMER', sk, G, name)
  end
end
local live = false
local p = redis.call('XPENDING', sk, G)
if tonumber(p[1]) > 0 then live = p[2] end
local w = redis.call('XRANGE', sk, '(' .. (redis.call('GET', P .. 'ld:' .. stream) or '0-0'), '+', 'COUNT', 1)
if w[1] and (not live or after(live, w[1][1])) then live = w[1][1] end
if live then redis.call('XTRIM', sk, 'MINID', live) else redis.call('XTRIM', sk, 'MAXLEN', 0) end
return back
`;

/** ARGV: P G stream consumer max. Handed-back rows first (XCLAIM), then new ones (XREADGROUP >). */
const CLAIM = `${HELPERS}
local stream, me, max = ARGV[3], ARGV[4], tonumber(ARGV[5])
local sk, rel = P .. 's:' .. stream, P .. 'rel:' .. stream
if redis.call('EXISTS', sk) == 0 then return {} end
local out = {}
while #out < max do
  local eid = redis.call('LPOP', rel)
  if not eid then break end
  local c = redis.call('XCLAIM', sk, G, me, 0, eid)
  if c[1] then out[#out + 1] = c[1] end
end
local nk = P .. 'n:' .. stream
if #out < max and tonumber(redis.call('GET', nk) or '0') > 0 then
  local r = redis.call('XREADGROUP', 'GROUP', G, me, 'COUNT', max - #out, 'STREAMS', sk, '>')
  if r and r[1] then
    local es = r[1][2]
    for j = 1, #es do out[#out + 1] = es[j] end
    if #es > 0 then
      redis.call('SET', P .. 'ld:' .. stream, es[#es][1])
      redis.call('DECRBY', nk, #es)
    end
  end
end
return out
`;

/** ARGV: P G stream, then (callId index) per row, in order. In-flight rows of pending calls go back to the head. */
const RELEASE = `${HELPERS}
local stream = ARGV[3]
local sk, rel = P .. 's:' .. stream, P .. 'rel:' .. stream
for j = #ARGV - 1, 4, -2 do
  local cid, idx = ARGV[j], ARGV[j + 1]
  local eid = redis.call('HGET', P .. 'e:' .. cid, idx)
  if eid and inPel(sk, eid) and not redis.call('LPOS', rel, eid) then
    if redis.call('HGET', P .. 'c:' .. cid, 'state') == 'pending' then
      redis.call('LPUSH', rel, eid)
    else
      redis.call('XACK', sk, G, eid)
      redis.call('XDEL', sk, eid)
    end
  end
end
redis.call('PUBLISH', P .. 'events', 'a ' .. stream)
return 0
`;

/**
 * ARGV: P G stream now, then (callId index kind payload) per outcome; kind 'v' = value (encoded),
 * 'e' = row error (JSON `{code,message}`, value-codec.ts encodeRowError). HSETNX on the status makes the first outcome win. Returns calls now complete.
 */
const COMPLETE = `${HELPERS}
local stream, now = ARGV[3], ARGV[4]
local sk, rel = P .. 's:' .. stream, P .. 'rel:' .. stream
local finished = {}
for j = 5, #ARGV, 4 do
  local cid, idx, kind, payload = ARGV[j], ARGV[j + 1], ARGV[j + 2], ARGV[j + 3]
  local eid = redis.call('HGET', P .. 'e:' .. cid, idx)
  if eid then
    local acked = redis.call('XACK', sk, G, eid)
    redis.call('LREM', rel, 0, eid)
    if redis.call('XDEL', sk, eid) == 1 and acked == 0 then redis.call('DECR', P .. 'n:' .. stream) end
  end
  local ck = P .. 'c:' .. cid
  local status = 'ok'
  if kind == 'e' then status = payload end
  if redis.call('EXISTS', ck) == 1 and redis.call('HSETNX', P .. 'st:' .. cid, idx, status) == 1 then
    if kind == 'e' then redis.call('HINCRBY', ck, 'failed', 1) else
      redis.call('HSET', P .. 'v:' .. cid, idx, payload)
      -- Held result bytes (the result byte budget): per call, and in total across calls.
      redis.call('HINCRBY', ck, 'rb', #payload)
      redis.call('INCRBY', P .. 'rbytes', #payload)
    end
    local done = redis.call('HINCRBY', ck, 'done', 1)
    if done == tonumber(redis.call('HGET', ck, 'rows')) then
      local state = redis.call('HGET', ck, 'state')
      if state == 'pending' then
        redis.call('HSET', ck, 'state', 'done')
        finish(ck, cid, now)
        finished[#finished + 1] = cid
      elseif state == 'cancelled' and redis.call('HEXISTS', ck, 'fin') == 0 then
        finish(ck, cid, now)
        finished[#finished + 1] = cid
      end
    end
  end
end
if #finished > 0 then redis.call('PUBLISH', P .. 'events', 'f ' .. table.concat(finished, ' ')) end
return finished
`;

/** ARGV: P G id status now. Waiting rows (never delivered, or handed back) get `status`; returns 1 if complete. */
const CANCEL = `${HELPERS}
local id, status, now = ARGV[3], ARGV[4], ARGV[5]
local ck = P .. 'c:' .. id
if redis.call('EXISTS', ck) == 0 or redis.call('HEXISTS', ck, 'fin') == 1 then return 0 end
redis.call('HSET', ck, 'state', 'cancelled')
local stream = redis.call('HGET', ck, 'stream')
local sk, rel = P .. 's:' .. stream, P .. 'rel:' .. stream
local stk = P .. 'st:' .. id
local rows = tonumber(redis.call('HGET', ck, 'rows'))
-- Whole-call reads and chunked writes: a 100,000-row cancel is a few dozen commands, not 500,000.
local has = {}
for _, k in ipairs(redis.call('HKEYS', stk)) do has[k] = true end
local relset = {}
if redis.call('LLEN', rel) > 0 then
  for _, e in ipairs(redis.call('LRANGE', rel, 0, -1)) do relset[e] = true end
end
local ld = redis.call('GET', P .. 'ld:' .. stream) or '0-0'
local waiting, handed, statuses = {}, {}, {}
local emap = redis.call('HGETALL', P .. 'e:' .. id)
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
local removed = chunked('XDEL', sk, {}, waiting)
if removed > 0 then redis.call('DECRBY', P .. 'n:' .. stream, removed) end
for _, eid in ipairs(handed) do redis.call('LREM', rel, 0, eid) end
chunked('XACK', sk, {G}, handed)
chunked('XDEL', sk, {}, handed)
local dropped = #statuses / 2
if dropped > 0 then
  chunked('HSET', stk, {}, statuses)
  redis.call('HINCRBY', ck, 'failed', dropped)
  redis.call('HINCRBY', ck, 'done', dropped)
end
if tonumber(redis.call('HGET', ck, 'done')) == rows then
  finish(ck, id, now)
  redis.call('PUBLISH', P .. 'events', 'f ' .. id)
  return 1
end
return 0
`;

/** ARGV: P G id. Forgets the call, its rows waiting or in flight, and its result. */
const DELETE_CALL = `${HELPERS}
local id = ARGV[3]
local ck = P .. 'c:' .. id
local stream = redis.call('HGET', ck, 'stream')
if stream then
  local sk, rel = P .. 's:' .. stream, P .. 'rel:' .. stream
  local ld = redis.call('GET', P .. 'ld:' .. stream) or '0-0'
  -- Rows with an outcome were acknowledged and deleted then: only the others need touching, so
  -- expiring a finished call costs no stream work at all.
  local has = {}
  for _, k in ipairs(redis.call('HKEYS', P .. 'st:' .. id)) do has[k] = true end
  local waiting, delivered = {}, {}
  local emap = redis.call('HGETALL', P .. 'e:' .. id)
  for j = 1, #emap, 2 do
    local eid = emap[j + 1]
    if not has[emap[j]] then
      if after(eid, ld) then waiting[#waiting + 1] = eid else delivered[#delivered + 1] = eid end
    end
  end
  local removed = chunked('XDEL', sk, {}, waiting)
  if removed > 0 then redis.call('DECRBY', P .. 'n:' .. stream, removed) end
  if redis.call('LLEN', rel) > 0 then
    for _, eid in ipairs(delivered) do redis.call('LREM', rel, 0, eid) end
  end
  chunked('XACK', sk, {G}, delivered)
  chunked('XDEL', sk, {}, delivered)
end
local rb = tonumber(redis.call('HGET', ck, 'rb') or '0')
if rb > 0 then redis.call('DECRBY', P .. 'rbytes', rb) end
redis.call('DEL', ck, P .. 'v:' .. id, P .. 'st:' .. id, P .. 'e:' .. id)
redis.call('ZREM', P .. 'fin', id)
return 0
`;

/** ARGV: P G mode stream; mode 'one' = that stream, 'all' = every stream. Waiting + in flight. */
const DEPTH = `${HELPERS}
local function one(stream)
  local sk = P .. 's:' .. stream
  if redis.call('EXISTS', sk) == 0 then return 0 end
  return tonumber(redis.call('GET', P .. 'n:' .. stream) or '0') + redis.call('XPENDING', sk, G)[1]
end
if ARGV[3] == 'one' then return one(ARGV[4]) end
local total = 0
for _, s in ipairs(redis.call('SMEMBERS', P .. 'streams')) do total = total + one(s) end
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
  ebDepth: DEPTH,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
