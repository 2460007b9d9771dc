// The IPC codec of the queue's hot path (src/wire: apache-arrow behind the stream and column
// checks) against @uwdata/flechette doing the same job, on the streams a call exchanges: a text
// chunk out, a vectors + status answer back, at 25 rows (the default batch) and 1,000 rows.
//   npm run bench -- wire [--reps 7] [--iters 2000] [--extra <dir>[,<dir>…]]
// `--extra <dir>` adds a codec from each folder holding ipc-read.ts / ipc-write.ts / columns.ts
// with the same exports (e.g. an earlier src/wire: `git show <sha>:src/wire/…` into a folder that
// can resolve this checkout's node_modules).
// Both candidates run the same stream guard (ipc-guard) first; times are per stream, medians of
// `reps` blocks of `iters` runs in one process, so compare the ratios, not the absolute numbers.
// Writes bench/results/wire.json and wire.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Batch, Column, float32, float64, list, tableFromColumns, tableFromIPC, tableToIPC, utf8 } from '@uwdata/flechette';
import { floatListColumn, utf8Column, type WireColumn } from '../src/wire/columns';
import { ipcStreamProblem } from '../src/wire/ipc-guard';
import { readIpcStream } from '../src/wire/ipc-read';
import { writeIpcStream } from '../src/wire/ipc-write';

interface Codec {
  name: string;
  write(columns: WireColumn[], rows: number): Uint8Array;
  read(bytes: Uint8Array): unknown;
}

const EMPTY = new Uint8Array(0);

/** WireColumns as flechette batches (its encoder reads these fields; no copy before its own). */
function flechetteBatch(c: WireColumn): Batch<unknown> {
  const validity = c.nullCount > 0 && c.validity ? c.validity : EMPTY;
  const base = { length: c.length, nullCount: c.nullCount, validity, offsets: c.offsets };
  if (c.type === 'utf8') return new Batch({ ...base, type: utf8(), values: c.data } as never);
  const type = c.type === 'list<float64>' ? float64() : float32();
  const child = new Batch({ type, length: c.values.length, nullCount: 0, validity: EMPTY, values: c.values } as never);
  return new Batch({ ...base, type: list(type), children: [child] } as never);
}

const flechette: Codec = {
  name: '@uwdata/flechette',
  write: (columns) => tableToIPC(tableFromColumns(Object.fromEntries(columns.map((c) => [c.name, new Column([flechetteBatch(c)] as never)]))), { format: 'stream' }) as Uint8Array,
  read: (bytes) => {
    if (ipcStreamProblem(bytes) !== undefined) return undefined;
    const t = tableFromIPC(bytes);
    // The same views src/wire hands out: offsets, values, validity per column.
    return t.children.map((col) => {
      const b = col.data[0] as unknown as { offsets: Int32Array; values?: ArrayLike<unknown>; validity: Uint8Array; children?: Array<{ values: ArrayLike<number> }> };
      return { offsets: b.offsets, values: b.values ?? b.children?.[0].values, validity: b.validity };
    });
  },
};

const arrow: Codec = { name: 'apache-arrow (src/wire)', write: writeIpcStream, read: readIpcStream };

async function extraCodec(dir: string): Promise<Codec> {
  const at = (f: string) => pathToFileURL(join(resolve(dir), f)).href;
  const r = (await import(at('ipc-read.ts'))) as { readIpcStream: Codec['read'] };
  const w = (await import(at('ipc-write.ts'))) as { writeIpcStream: Codec['write'] };
  return { name: `extra (${dir})`, write: w.writeIpcStream, read: r.readIpcStream };
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * Median µs per call of each function over `reps` rounds of `iters` calls, the functions taking
 * turns within each round (after one warm-up round), so a burst of load on this shared machine
 * hits every codec alike.
 */
function perCall(fns: Array<() => unknown>, reps: number, iters: number): number[] {
  for (const fn of fns) for (let i = 0; i < iters; i++) fn();
  const samples = fns.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) {
    fns.forEach((fn, k) => {
      const t0 = performance.now();
      for (let i = 0; i < iters; i++) fn();
      samples[k].push(((performance.now() - t0) * 1000) / iters);
    });
  }
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]);
}

function sentences(rows: number): string[] {
  return Array.from({ length: rows }, (_, i) => `row ${i}: the quick brown fox jumps over the lazy dog, number ${i * 7919}`);
}

function vectors(rows: number, dim: number): Float32Array[] {
  const all = Float32Array.from({ length: rows * dim }, (_, k) => Math.sin(k) / Math.sqrt(dim));
  return Array.from({ length: rows }, (_, i) => all.subarray(i * dim, (i + 1) * dim));
}

interface Row {
  shape: string;
  op: 'write' | 'read';
  codec: string;
  us: number;
  ratio: number;
}

export async function main(args: string[]): Promise<void> {
  const reps = Number(arg(args, 'reps') ?? 7);
  const iters = Number(arg(args, 'iters') ?? 2000);
  const extra = arg(args, 'extra');
  const extras = extra ? await Promise.all(extra.split(',').map(extraCodec)) : [];
  const codecs = [arrow, flechette, ...extras];
  const shapes: Array<{ shape: string; rows: number; columns: () => WireColumn[] }> = [];
  for (const [rows, dim] of [[25, 512], [1000, 384]] as const) {
    const text = sentences(rows);
    const vecs = vectors(rows, dim);
    shapes.push({ shape: `text chunk, ${rows} rows`, rows, columns: () => [utf8Column('text', text)] });
    shapes.push({ shape: `answer, ${rows} × ${dim} float32 + status`, rows, columns: () => [floatListColumn('result', vecs, false), utf8Column('status', text.map(() => 'ok'))] });
  }
  const rows: Row[] = [];
  for (const s of shapes) {
    const n = Math.max(50, Math.round(iters / Math.max(1, s.rows / 25)));
    const bytes = arrow.write(s.columns(), s.rows);
    for (const op of ['write', 'read'] as const) {
      const times = perCall(codecs.map((c) => (op === 'write' ? () => c.write(s.columns(), s.rows) : () => c.read(bytes))), reps, n);
      codecs.forEach((c, k) => rows.push({ shape: s.shape, op, codec: c.name, us: times[k], ratio: times[k] / times[0] }));
    }
  }
  const header = `Per stream, µs (median of ${reps} blocks); ratio = this codec's time / apache-arrow's in the same run. Node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} (a shared machine: compare within one run). Writes include building the columns from JS values (the same for every codec).`;
  console.log(header);
  console.table(rows.map((r) => ({ shape: r.shape, op: r.op, codec: r.codec, µs: r.us.toFixed(1), ratio: r.ratio.toFixed(2) })));
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'wire.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, loadavg: loadavg()[0], reps, iters, rows }, null, 2) + '\n');
  const md = [
    header,
    '',
    '| stream | op | codec | µs | ratio |',
    '|---|---|---|---:|---:|',
    ...rows.map((r) => `| ${r.shape} | ${r.op} | ${r.codec} | ${r.us.toFixed(1)} | ${r.ratio.toFixed(2)} |`),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'wire.md'), md);
}
