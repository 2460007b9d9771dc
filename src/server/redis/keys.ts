// The key names of the Redis queue store, in one place (scripts get them as KEYS, tests read them).
// Every key a script touches for one stream — the stream, its counters, the calls on it, their
// results, the finished-call index and the held-result byte counter — carries the stream's hash tag
// `{t…}`, so on a Redis Cluster they live in one slot and every script stays one atomic step on
// one node; different functions (streams) spread over the cluster's nodes. A call id made by
// newCallId(stream) carries its stream's tag, which is how getCall/cancel/delete find the slot from
// the id alone. Keys, under the prefix P and the tag T:
//   P{T}s:<stream>   the row stream (XADD; fields c=call id, i=row index, t=enqueuedAt, v=values),
//                    with the consumer group; its PEL holds the rows in flight
//   P{T}n:<stream>   rows appended and not yet delivered to the group (waiting, never claimed)
//   P{T}ld:<stream>  the id of the last entry delivered by XREADGROUP (first waiting entry follows)
//   P{T}rel:<stream> ids of rows handed back (release or a lost worker), head first; still in the PEL
//   P{T}c:<id>       call hash: fn ver rows created stream state done failed ttl rb [fin]
//   P{T}v:<id>       row index -> encoded result value   P{T}st:<id>  row index -> 'ok' | error JSON
//   P{T}e:<id>       row index -> stream entry id
//   P{T}fin          zset: call id by finishedAt (result expiry), per tag
//   P{T}held         hash: '#' → bytes of results held by the tag's calls (the result byte budget
//                    sums the tags), call id → that call's share (outlives the call's expiring keys)
//   P{T}x:<stream>   tombstone of a retired stream (version replaced or removed): addCall refuses it;
//                    expires finishedTtlMs after the stream and the tag's keys were deleted
// and, outside any tag (read on their own, never inside a script with other keys):
//   P streams        set of stream names (depth over all, the tags to sum); a retired stream leaves
//                    it once drained and its results are read or expired
//   P retired        set of retired streams not yet deleted (the recovery timer's reclaim finishes them)
//   P epoch          the store's incarnation (call ids carry it: CallLostError after a restart)
//   P events         pub/sub channel ('a <stream>', 'f <id> <id>…'); channels are not slotted
import { createHash } from 'node:crypto';

/** The tag of call ids that carry none (ids made outside newCallId: tests, old ids). */
export const UNTAGGED = 'q';

/** A stream's hash tag: 10 hex characters of its name's SHA-1 (short, and free of '{' '}'). */
export function streamTag(stream: string): string {
  return `t${createHash('sha1').update(stream).digest('hex').slice(0, 10)}`;
}

/** The tag a call id carries (`<epoch>.<tag>.<uuid>`, see RedisStreamsQueueStore.newCallId), else UNTAGGED. */
export function callTag(id: string): string {
  return /^[^.]*\.(t[0-9a-f]{10})\./.exec(id)?.[1] ?? UNTAGGED;
}

export interface StreamKeys {
  sk: string;
  nk: string;
  ld: string;
  rel: string;
}

/** One call's keys; streamAndCallKeys puts them in the order the scripts take them. */
export interface CallKeys {
  c: string;
  v: string;
  st: string;
  e: string;
  fin: string;
  rb: string;
}

export class RedisKeys {
  readonly streams: string;
  readonly retired: string;
  readonly epoch: string;
  readonly events: string;

  constructor(readonly prefix: string) {
    this.streams = `${prefix}streams`;
    this.retired = `${prefix}retired`;
    this.epoch = `${prefix}epoch`;
    this.events = `${prefix}events`;
  }

  stream(stream: string): StreamKeys {
    const b = `${this.prefix}{${streamTag(stream)}}`;
    return { sk: `${b}s:${stream}`, nk: `${b}n:${stream}`, ld: `${b}ld:${stream}`, rel: `${b}rel:${stream}` };
  }

  /** A retired stream's tombstone (in the stream's slot, so addCall's script checks it atomically). */
  tombstone(stream: string): string {
    return `${this.prefix}{${streamTag(stream)}}x:${stream}`;
  }

  call(id: string): CallKeys {
    const b = this.tagBase(callTag(id));
    return { c: `${b}c:${id}`, v: `${b}v:${id}`, st: `${b}st:${id}`, e: `${b}e:${id}`, fin: `${b}fin`, rb: `${b}held` };
  }

  /** The finished-call index and the held-bytes counter of one tag. */
  tag(tag: string): { fin: string; rb: string } {
    const b = this.tagBase(tag);
    return { fin: `${b}fin`, rb: `${b}held` };
  }

  private tagBase(tag: string): string {
    return `${this.prefix}{${tag}}`;
  }
}

/** The keys of a stream's block then its calls' blocks, as the scripts take them (4 + 6 per call). */
export function streamAndCallKeys(s: StreamKeys, calls: CallKeys[]): string[] {
  const out = [s.sk, s.nk, s.ld, s.rel];
  for (const c of calls) out.push(c.c, c.v, c.st, c.e, c.fin, c.rb);
  return out;
}
