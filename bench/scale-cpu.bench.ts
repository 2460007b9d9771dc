// CPU per row of each end's per-chunk work in the scale benchmark's path, measured in one process
// (process.cpuUsage, so it holds up on a loaded machine better than rows/s), with no HTTP:
// - CLI: a 1,000-row vector answer as the server sends it (fresh bytes per chunk, as from the
//   socket) → the client's decode → the engine's assembly → the CLI's output file (Parquet row
//   groups of 10,000, journal, fdatasync), with the CLI's default ZSTD and with Snappy;
// - server: addCall → claim → complete (a worker's answer: views of one packed buffer) → the
//   answer's IPC bytes → deleteCall, in the memory store.
// `--compare DIR` loads the same modules from another checkout (e.g. `git worktree add DIR main`,
// node_modules linked) and alternates the two trees per round: a same-run A/B.
//   npm run bench -- scale-cpu [--rows 100000] [--rounds 5] [--compare DIR]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Field, Float32, List, Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHUNK = 1000;
const DIM = 384;

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}

/** The modules of one checkout that the two paths run (loaded by path, so two trees can share a process). */
interface Tree {
  root: string;
  CallResults: new (rows: number) => { setOk(i: number, v: unknown): void };
  /** The server's answer bytes: resultIpcParts where the tree has it (the route writes the parts), else resultIpc. */
  answerBytes(results: unknown, output: string): number;
  resultIpc(results: unknown, output: string): Uint8Array;
  decodeCallAnswer(bytes: Uint8Array): unknown;
  decodeCallResult(answer: unknown, rows: number, where: string): unknown;
  assembleTable(type: unknown, parts: unknown[], batchRows: number): Table;
  OutputFile: {
    open(file: string, id: unknown, opts: unknown): Promise<{ file: { write(input: Table, result: Table): Promise<void>; finish(empty: () => Promise<Uint8Array>): Promise<number> } }>;
  };
  MemoryQueueStore: new () => {
    addCall(call: unknown, stream: string, rows: unknown): Promise<void>;
    claim(stream: string, max: number): Promise<{ callId: string; index: number }[]>;
    complete(stream: string, outcomes: unknown[]): Promise<string[]>;
    getCall(id: string): Promise<{ results: unknown } | undefined>;
    deleteCall(id: string): Promise<void>;
  };
}

async function load(root: string): Promise<Tree> {
  const mod = (p: string) => import(pathToFileURL(path.join(root, p)).href);
  const [results, io, codec, batch, assemble, out, store] = await Promise.all([
    mod('src/server/call-results.ts'), mod('src/server/arrow-io.ts'), mod('src/client/call-codec.ts'), mod('src/client/remote-batch.ts'),
    mod('src/core/assemble.ts'), mod('src/cli/output-file.ts'), mod('src/server/memory-store.ts'),
  ]);
  return {
    root, CallResults: results.CallResults, resultIpc: io.resultIpc,
    answerBytes: (r: unknown, o: string) => (io.resultIpcParts ? io.resultIpcParts(r, o).byteLength : io.resultIpc(r, o).byteLength), decodeCallAnswer: codec.decodeCallAnswer, decodeCallResult: batch.decodeCallResult,
    assembleTable: assemble.assembleTable, OutputFile: out.OutputFile, MemoryQueueStore: store.MemoryQueueStore,
  };
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const vector = new Float32Array(DIM).map((_, i) => (i % 7) / 7); // the scale bench's cheap function answers this for every row

/** CPU µs per row of the CLI's side for `rows` rows. */
async function cliSide(t: Tree, answer: Uint8Array, input: Table, dir: string, compression: string): Promise<number> {
  const rows = input.numRows;
  const file = path.join(dir, `out-${compression}.parquet`);
  const id = { input: 'bench', inputSize: 1, inputMtimeMs: 1, column: 'text', chunking: { chunkSize: CHUNK }, totalRows: rows, function: 'bench' };
  const listF32 = new List(new Field('item', new Float32(), true));
  const c0 = cpuMs();
  const { file: out } = await t.OutputFile.open(file, id, { force: true, metadata: {}, rowGroupRows: 10_000, compression });
  for (let at = 0; at < rows; at += CHUNK) {
    const decoded = t.decodeCallResult(t.decodeCallAnswer(answer.slice()), CHUNK, 'scale-cpu');
    await out.write(input.slice(at, at + CHUNK), t.assembleTable(listF32, [decoded], 16_384));
  }
  await out.finish(async () => new Uint8Array());
  const us = ((cpuMs() - c0) / rows) * 1000;
  rmSync(file, { force: true });
  return us;
}

/** CPU µs per row of the server's store and answer for `rows` rows. */
async function serverSide(t: Tree, rows: number, texts: string[]): Promise<number> {
  const store = new t.MemoryQueueStore();
  const c0 = cpuMs();
  for (let c = 0; c * CHUNK < rows; c++) {
    const id = `call-${c}`;
    await store.addCall({ id, functionName: 'f', version: 1, rows: CHUNK, createdAt: 0 }, 'f@1', { callId: id, enqueuedAt: 0, columns: [texts] });
    const claimed = await store.claim('f@1', CHUNK);
    const packed = new Float32Array(CHUNK * DIM); // what the worker transfers: its rows packed in one buffer
    for (let i = 0; i < CHUNK; i++) packed.set(vector, i * DIM);
    await store.complete('f@1', claimed.map((r, i) => ({ callId: r.callId, index: r.index, value: packed.subarray(i * DIM, (i + 1) * DIM) })));
    const call = await store.getCall(id);
    if (!call || t.answerBytes(call.results, 'float32[]') < CHUNK * DIM * 4) throw new Error('no answer');
    await store.deleteCall(id);
  }
  return ((cpuMs() - c0) / rows) * 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function main(args: string[]): Promise<void> {
  const rows = Math.max(CHUNK, Math.round(Number(flag(args, 'rows', '100000')) / CHUNK) * CHUNK);
  const rounds = Number(flag(args, 'rounds', '5'));
  const compare = flag(args, 'compare', '');
  const trees = await Promise.all([path.resolve(here, '..'), ...(compare ? [path.resolve(compare)] : [])].map(load));
  const results = new trees[0].CallResults(CHUNK);
  for (let i = 0; i < CHUNK; i++) results.setOk(i, vector);
  const answer = trees[0].resultIpc(results, 'float32[]');
  const texts = Array.from({ length: CHUNK }, (_, i) => `document ${i} about topic ${i % 97}`);
  const input = new Table({
    id: makeVector(Int32Array.from({ length: rows }, (_, i) => i)),
    text: vectorFromArray(Array.from({ length: rows }, (_, i) => `document ${i} about topic ${i % 97}`), new Utf8()),
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'embedbook-scale-cpu-'));
  const paths = {
    'CLI, zstd': (t: Tree) => cliSide(t, answer, input, dir, 'zstd'),
    'CLI, snappy': (t: Tree) => cliSide(t, answer, input, dir, 'snappy'),
    server: (t: Tree) => serverSide(t, rows, texts),
  };
  const us: Record<string, number[][]> = {};
  try {
    for (const [name, run] of Object.entries(paths)) {
      us[name] = trees.map(() => []);
      for (const t of trees) await run(t); // warm-up: JIT, wasm, file system
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? trees.map((t, i) => i) : trees.map((t, i) => i).reverse();
        for (const i of order) us[name][i].push(await run(trees[i]));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const head = `| path | ${trees.map((t, i) => (i === 0 ? 'this tree' : t.root)).join(' | ')}${compare ? ' | ratio' : ''} |`;
  const md = [
    head,
    `|---|${trees.map(() => '---:|').join('')}${compare ? '---:|' : ''}`,
    ...Object.entries(us).map(([name, per]) => `| ${name} | ${per.map((xs) => `${median(xs).toFixed(2)} µs/row (${xs.map((x) => x.toFixed(1)).join(' / ')})`).join(' | ')}${compare ? ` | ${(median(per[0]) / median(per[1])).toFixed(2)}` : ''} |`),
  ].join('\n');
  const note = `(CPU per row, median of ${rounds} alternated rounds of ${rows.toLocaleString('en-US')} rows, 1,000-row chunks, 384-d; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}, ${os.cpus().length} cores)`;
  console.log(`${md}\n${note}`);
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(path.join(here, 'results', 'scale-cpu.md'), `${md}\n${note}\n`);
  writeFileSync(path.join(here, 'results', 'scale-cpu.json'), JSON.stringify({ rows, rounds, trees: trees.map((t) => t.root), us }, null, 2));
}
