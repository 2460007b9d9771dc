// `embedbook embed` keeps finished work and continues: the real CLI (bin/embedbook.mjs, a child
// process) against a real server with a slow toy handler, stopped with Ctrl-C (SIGINT) and then
// killed outright (SIGKILL, a crash) mid-run; re-running the same command finishes the file with
// every row exactly once, in order, without redoing the chunks already written. Plus the output
// path checks that run before any work.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readWithHyparquet } from '../io/test-fixtures';
import { start, type Running } from '../server/test-fixtures/http';
import { main, type CliIO } from './main';

const dir = mkdtempSync(join(tmpdir(), 'embedbook-resume-'));
const bin = resolve('bin/embedbook.mjs');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): CliIO & { out: string; err: string } {
  const io = { out: '', err: '', isTTY: false, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

function writeCsv(name: string, n: number): string {
  const lines = ['id,text'];
  for (let i = 0; i < n; i++) lines.push(`${i},"doc ${i}, some text"`);
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Committed rows according to the journal (its last complete line), 0 before the first commit. */
function journalRows(output: string): number {
  if (!existsSync(`${output}.journal`)) return 0;
  const lines = readFileSync(`${output}.journal`, 'utf8').split('\n').filter((l) => l.trim() !== '');
  let rows = 0;
  for (const l of lines.slice(1)) {
    try {
      rows = (JSON.parse(l) as { rows: number }).rows;
    } catch {
      break;
    }
  }
  return rows;
}

function runChild(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code, signal) => r(code ?? (signal ? -1 : null))));
  return { child, exited, err: () => err, out: () => out };
}

describe('embedbook embed: interrupted runs continue (real server, child process)', () => {
  let server: Running;
  let url: string;
  beforeAll(async () => {
    server = await start({
      functions: [{
        definition: { name: 'slow', args: { text: 'string[]' }, output: 'float32[]', maxBatchingSize: 50, maxBufferDuration: 1, retries: 0 },
        // 40 ms per batch on purpose (not a wait): the run lasts long enough to be interrupted mid-way.
        bundle: `export default { async handler(text) {
          await new Promise((r) => setTimeout(r, 40));
          return text.map((t) => [Number(t.slice(4, t.indexOf(','))), t.length]);
        } };`,
      }],
    });
    url = server.url;
  });
  afterAll(async () => {
    await server?.close();
  });

  test('Ctrl-C keeps finished rows, a crash loses none that were committed, the same command finishes: every row once, in order', async () => {
    const n = 3000;
    const input = writeCsv('big.csv', n);
    const output = join(dir, 'big.parquet');
    const args = ['embed', input, '--remote', url, '--function', 'slow', '--chunk-size', '50', '--concurrent-chunks', '2', '--row-group-rows', '200', '-o', output];

    // 1. Ctrl-C once some rows are committed: graceful, exit 130, finished rows kept.
    const first = runChild(args);
    await expect.poll(() => journalRows(output), { timeout: 60_000, interval: 50 }).toBeGreaterThan(0);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);
    expect(first.err()).toMatch(/Cancelled: [\d,]+ of 3,000 rows are saved in .*big\.parquet\.partial; run the same command again \(or add --resume\)/);
    const afterCtrlC = journalRows(output);
    expect(afterCtrlC).toBeGreaterThan(0);
    expect(afterCtrlC).toBeLessThan(n);
    expect(existsSync(output)).toBe(false);

    // 2. Same command: resumes, then is killed outright (no chance to clean up) further on.
    const second = runChild([...args, '--resume']);
    await expect.poll(() => journalRows(output), { timeout: 60_000, interval: 50 }).toBeGreaterThan(afterCtrlC);
    second.child.kill('SIGKILL');
    await second.exited;
    expect(second.err()).toMatch(new RegExp(`Resuming .*: ${afterCtrlC.toLocaleString('en-US')} rows \\((\\d+) of 60 chunks\\) were written by an earlier run`));
    const afterCrash = journalRows(output);

    // 3. Same command again, no flag: continues after the crash and finishes the file.
    const third = runChild(args);
    expect(await third.exited).toBe(0);
    const resumed = /Resuming .*: ([\d,]+) rows \((\d+) of 60 chunks\)/.exec(third.err());
    expect(Number(resumed?.[1].replace(/,/g, ''))).toBe(afterCrash);
    expect(Number(resumed?.[2])).toBe(afterCrash / 50); // those chunks are not run again
    expect(third.out()).toMatch(/Wrote .*big\.parquet: 3,000 rows × 2-d embeddings/);
    expect(existsSync(`${output}.journal`)).toBe(false);
    expect(existsSync(`${output}.partial`)).toBe(false);

    const rows = await readWithHyparquet(new Uint8Array(readFileSync(output)));
    expect(rows.length).toBe(n);
    expect(Object.keys(rows[0])).toEqual(['id', 'text', 'embedding']);
    rows.forEach((r, i) => {
      expect(Number(r.id)).toBe(i);
      expect(r.embedding).toEqual([i, `doc ${i}, some text`.length]);
    });
  }, 240_000);
});

describe('embedbook embed: the output path is checked before any work', () => {
  test('a missing output folder, an existing output without --force', async () => {
    const input = writeCsv('small.csv', 3);
    const missing = capture();
    expect(await main(['embed', input, '-o', join(dir, 'no', 'such', 'folder', 'out.parquet')], missing)).toBe(1);
    expect(missing.err).toMatch(/OutputFileError: The output folder ".*no\/such\/folder" does not exist: create it \(mkdir -p\) or choose another -o path\./);
    const existing = join(dir, 'exists.parquet');
    writeFileSync(existing, 'old');
    const io = capture();
    expect(await main(['embed', input, '-o', existing], io)).toBe(1);
    expect(io.err).toMatch(/OutputFileError: ".*exists\.parquet" already exists; pass --force to replace it/);
    expect(readFileSync(existing, 'utf8')).toBe('old');
    expect(io.err).not.toMatch(/Read \d+ rows/); // refused before reading anything
  });

  test('refuses to write over its own input', async () => {
    const io = capture();
    const input = join(dir, 'in.parquet');
    writeFileSync(input, 'PAR1');
    expect(await main(['embed', input, '-o', input, '--force'], io)).toBe(1);
    expect(io.err).toMatch(/OutputFileError: -o ".*in\.parquet" is the input file; embedbook will not overwrite its own input/);
    expect(readFileSync(input, 'utf8')).toBe('PAR1');
  });
});
