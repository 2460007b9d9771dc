// The project's error model, checked over the whole source tree: one root (EmbedbookError), one
// class per stable name.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EmbedbookError, deserializeError, serializeError } from '../core/errors';
import { QueueFullError, StoreUnavailableError, UnknownFunctionError, errorBody, readErrorBody } from './errors';
import { SchemaMismatchError, WorkerOutOfMemoryError } from '../server/errors';
import { InvalidUtf8Error } from '../io/errors';

/** Every non-test TypeScript source under src/, with its path relative to src/. */
function sources(): Array<{ path: string; text: string }> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out: Array<{ path: string; text: string }> = [];
  const walk = (dir: string): void => {
    for (const ent of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(ent.name) && !/\.(test|spec)\.tsx?$/.test(ent.name)) out.push({ path: p.slice(root.length), text: readFileSync(p, 'utf8') });
    }
  };
  walk(root);
  return out;
}

describe('the error model', () => {
  it('every error class in src descends from EmbedbookError (no second root)', () => {
    const offenders: string[] = [];
    for (const { path, text } of sources()) {
      for (const m of text.matchAll(/class (\w+)(?:<[^>]*>)? extends (?:Error|TypeError|RangeError|DOMException)\b/g)) {
        if (m[1] !== 'EmbedbookError') offenders.push(`${path}: ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('one class per stable name: no two classes declare the same `name`', () => {
    const owners = new Map<string, string[]>();
    for (const { path, text } of sources()) {
      for (const m of text.matchAll(/override (?:readonly )?name(?:: string)? = '(\w+)'/g)) owners.set(m[1], [...(owners.get(m[1]) ?? []), path]);
    }
    const twice = [...owners].filter(([, paths]) => paths.length > 1).map(([name, paths]) => `${name}: ${paths.join(', ')}`);
    expect(twice).toEqual([]);
  });
});

describe('errors across the HTTP and worker boundaries', () => {
  it('an HTTP error body brings back the same class, code and fields (the stack stays on the server)', () => {
    const sent = errorBody(new QueueFullError(120, 100, 30, 2_500, 't-1', 4));
    expect(sent.error.stack).toBeUndefined();
    const back = readErrorBody(JSON.stringify(sent));
    expect(back).toBeInstanceOf(QueueFullError);
    const q = back as QueueFullError;
    expect([q.code, q.retryAfterMs, q.ticket, q.position, q.retryAfterS]).toEqual(['QUEUE_FULL', 2_500, 't-1', 4, 3]);
    expect(q.headers()).toMatchObject({ 'retry-after': '3', 'x-retry-after-ms': '2500', 'x-queue-ticket': 't-1' });
    expect(q.message).toBe(new QueueFullError(120, 100, 30, 2_500, 't-1', 4).message);

    const unknown = readErrorBody(JSON.stringify(errorBody(new UnknownFunctionError('nope', ['len']))));
    expect(unknown).toBeInstanceOf(UnknownFunctionError);
    expect((unknown as UnknownFunctionError).available).toEqual(['len']);
    expect(readErrorBody(JSON.stringify(errorBody(new StoreUnavailableError('ECONNREFUSED'))))).toBeInstanceOf(StoreUnavailableError);
    expect(readErrorBody(JSON.stringify(errorBody(new SchemaMismatchError('f', ['text'], []))))).toBeInstanceOf(SchemaMismatchError);
    // Not an error body, or someone else's shape.
    expect(readErrorBody('<html>')).toBeUndefined();
    expect(readErrorBody('{"error":"Bad Gateway","message":"upstream"}')?.message).toBe('Bad Gateway: upstream');
  });

  it('worker-thread and Web Worker messages (structured clone) keep class and code', () => {
    for (const e of [new WorkerOutOfMemoryError(512), new InvalidUtf8Error('a.csv', 17)]) {
      const back = deserializeError(structuredClone(serializeError(e)));
      expect(back).toBeInstanceOf(e.constructor);
      expect(back).toBeInstanceOf(EmbedbookError);
      expect([back.name, (back as EmbedbookError).code, back.message]).toEqual([e.name, e.code, e.message]);
    }
  });
});

