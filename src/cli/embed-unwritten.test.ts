// `embed` cancelled while a later chunk had finished ahead of an earlier, still running one: the
// finished chunk cannot be written yet (the output is in input order), so it is kept in
// `<output>.unwritten` and the run that continues hands it to the engine as `completed` instead
// of computing it again. The function is a real EmbedFunction on the engine whose chunk 0 is held
// until the cancel (the fault); everything else is the real CLI path: CSV in, Parquet out, journal.
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { functionFromBatch } from '../core/embed-function';
import type { BatchFunction } from '../core/types';
import { embeddingType } from '../client/remote';
import { readWithHyparquet } from '../io/test-fixtures';
import { runEmbed } from './embed-command';
import type { CliIO } from './main';
import { loadUnwritten, saveUnwritten, unwrittenPath } from './unwritten-chunks';
import type { RunIdentity } from './output-file';

const dir = mkdtempSync(join(tmpdir(), 'embedbook-unwritten-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 50;
const CHUNK = 10;
const BAD = 'doc 15';

function csv(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, ['id,text', ...Array.from({ length: N }, (_, i) => `${i},doc ${i}`)].join('\n') + '\n');
  return path;
}

function capture(signal?: AbortSignal): CliIO & { out: string; err: string } {
  const io = { out: '', err: '', isTTY: false, signal, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

/** Row "doc i" → [i, length]; records the chunks it was asked for; chunk 0 can be held until abort. */
function recording(opts: { holdChunk0?: boolean } = {}) {
  const calls: number[] = [];
  const finished = new Set<number>();
  const batch: BatchFunction<Float32Array> = async (args, ctx) => {
    calls.push(ctx.chunkIndex);
    if (opts.holdChunk0 && ctx.chunkIndex === 0) {
      await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
    }
    const texts = args.getChild('text')!.toArray() as string[];
    finished.add(ctx.chunkIndex);
    // One failing row (in chunk 1, which finishes ahead of chunk 0): its status travels too.
    const values = texts.map((t) => (t === BAD ? null : Float32Array.from([Number(t.slice(4)), t.length])));
    return { values, errors: texts.map((t) => (t === BAD ? 'cannot embed this one' : null)) };
  };
  return { calls, finished, backend: { fn: functionFromBatch(batch, { name: 'embed', outputType: embeddingType() }), label: 'test function' } };
}

const flags = (output: string) => ({ column: 'text', chunkSize: String(CHUNK), concurrentChunks: '3', output });

/** Runs until chunks 1 and 2 finished while chunk 0 is held, then cancels (Ctrl-C). */
async function cancelledRun(input: string, output: string) {
  const ac = new AbortController();
  const rec = recording({ holdChunk0: true });
  const io = capture(ac.signal);
  const running = runEmbed(input, flags(output), io, { backend: rec.backend });
  await expect.poll(() => rec.finished.has(1) && rec.finished.has(2)).toBe(true);
  ac.abort();
  expect(await running).toBe(130);
  return io;
}

async function expectComplete(output: string) {
  const rows = await readWithHyparquet(new Uint8Array(readFileSync(output)));
  expect(rows.map((r) => Number(r.id))).toEqual(Array.from({ length: N }, (_, i) => i));
  rows.forEach((r, i) => {
    expect(r.embedding ?? null).toEqual(i === 15 ? null : [i, `doc ${i}`.length]);
    expect(r.status).toBe(i === 15 ? 'cannot embed this one' : 'ok');
  });
}

describe('embed: chunks finished ahead of the written rows survive a cancel', () => {
  test('kept in .unwritten on Ctrl-C, given back as `completed`: the continuing run does not compute them again', async () => {
    const input = csv('a.csv');
    const output = join(dir, 'a.parquet');
    const first = await cancelledRun(input, output);
    expect(first.err).toMatch(/Cancelled: 0 of 50 rows are saved in .*a\.parquet\.partial; .* 2 finished chunks past them are kept in .*a\.parquet\.unwritten\./);
    expect(existsSync(unwrittenPath(output))).toBe(true);

    const rec = recording();
    const io = capture();
    expect(await runEmbed(input, flags(output), io, { backend: rec.backend })).toBe(3); // 3: some rows failed
    expect(io.err).toMatch(/Taking 2 chunks that an earlier run finished but had not written yet/);
    expect([...rec.calls].sort()).toEqual([0, 3, 4]); // chunks 1 and 2 came from the file
    expect(existsSync(unwrittenPath(output))).toBe(false);
    await expectComplete(output);
  });

  test('a damaged .unwritten file is ignored with a note: its chunks run again, the output is still right', async () => {
    const input = csv('b.csv');
    const output = join(dir, 'b.parquet');
    await cancelledRun(input, output);
    const path = unwrittenPath(output);
    truncateSync(path, readFileSync(path).byteLength - 3);

    const rec = recording();
    const io = capture();
    expect(await runEmbed(input, flags(output), io, { backend: rec.backend })).toBe(3); // 3: some rows failed
    expect(io.err).toMatch(/Ignoring .*b\.parquet\.unwritten \(its vectors take \d+ bytes, the header says \d+\): those chunks run again/);
    expect([...rec.calls].sort()).toEqual([0, 1, 2, 3, 4]);
    await expectComplete(output);
  });

  test('--force starts afresh: saved chunks of the earlier run are not used', async () => {
    const input = csv('c.csv');
    const output = join(dir, 'c.parquet');
    await cancelledRun(input, output);
    const rec = recording();
    expect(await runEmbed(input, { ...flags(output), force: true }, capture(), { backend: rec.backend })).toBe(3);
    expect([...rec.calls].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(existsSync(unwrittenPath(output))).toBe(false);
    await expectComplete(output);
  });
});

describe('.unwritten row errors', () => {
  const identity = { backend: 'test' } as RunIdentity & { backend: string };
  const errors = [null, { code: 'NULL_TEXT', message: 'row 1: expected a string, got null' }, 'plain text'];

  test('a chunk\'s `{ code, message }` row errors (and plain texts) come back as they were saved', async () => {
    const output = join(dir, 'codes.parquet');
    await saveUnwritten(output, identity, 0, new Map([[1, { values: [Float32Array.of(1, 2), null, null], errors }]]));
    const { chunks, ignored } = await loadUnwritten(output, identity, 0, 0);
    expect(ignored).toBeUndefined();
    expect(chunks.get(1)?.errors).toEqual(errors);
  });

  test('a row error of another shape makes the file ignored, never handed to the engine', async () => {
    const output = join(dir, 'bad-codes.parquet');
    await saveUnwritten(output, identity, 0, new Map([[1, { values: [null], errors: [{ code: 'X' } as never] }]]));
    const { chunks, ignored } = await loadUnwritten(output, identity, 0, 0);
    expect(chunks.size).toBe(0);
    expect(ignored).toMatch(/chunk 1 is malformed/);
  });
});
