// `embedbook embed` end to end: a generated CSV / Parquet on disk → the real CLI (in-process main()
// with captured output, and once through bin/embedbook.mjs) → the Parquet read back with
// hyparquet, an independent reader. Local runs use the built default model (512-d); remote runs
// use a real server with a deployed toy handler.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Float64, Int32, Table, Utf8, vectorFromArray } from 'apache-arrow';
import Fastify from 'fastify';
import { parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeParquetBuffer } from '../io/parquet-write';
import { readWithHyparquet } from '../io/test-fixtures';
import { createServer, type EmbedbookServer } from '../server/create-server';
import { main, type CliIO } from './main';

const dir = mkdtempSync(join(tmpdir(), 'embedbook-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): CliIO & { out: string; err: string } {
  const io = { out: '', err: '', isTTY: false, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

/** Deterministic docs: quoted commas, newlines, quotes, unicode and one empty text. */
function docText(i: number): string {
  if (i === 5) return '';
  const extra = i % 3 === 0 ? ', with a comma' : i % 3 === 1 ? '\nand a second line' : ' "quoted" ünïcødé ✓';
  return `Doc ${i} about topic ${i % 11}${extra}`;
}
/** RFC 4180 quoting; "" is written quoted (an unquoted empty field reads as null). */
const csvCell = (s: string) => (s === '' || /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function writeCsv(name: string, n: number): string {
  const lines = ['id,text,score'];
  for (let i = 0; i < n; i++) lines.push(`${i},${csvCell(docText(i))},${(i * 0.25).toFixed(2)}`);
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function readBack(path: string) {
  return readWithHyparquet(new Uint8Array(readFileSync(path)));
}

describe('embedbook embed (local default model)', () => {
  test('CSV → Parquet: rows in order, every input column kept, 512-d unit vectors; the quoted empty text embeds', async () => {
    const input = writeCsv('docs.csv', 230);
    const output = join(dir, 'docs.parquet');
    const io = capture();
    const code = await main(['embed', input, '--column', 'text', '--chunk-size', '40', '--concurrent-chunks', '2', '--timeout', '300', '-o', output], io);
    expect(io.err).not.toMatch(/embedbook: /);
    expect(code).toBe(0); // row 5's `""` is the empty string, not null: it embeds like the rest
    expect(io.out).toMatch(/^Wrote .*docs\.parquet: 230 rows × 512-d embeddings \+ 3 input columns/);
    expect(io.out).not.toMatch(/failed/);
    expect(io.err).toMatch(/100% · 230\/230 rows · chunks 6\/6 · [\d,.]+ rows\/s · in \d+s/);
    const rows = await readBack(output);
    expect(rows.length).toBe(230);
    expect(Object.keys(rows[0])).toEqual(['id', 'text', 'score', 'embedding']); // no failed row, no status
    rows.forEach((r, i) => {
      expect(Number(r.id)).toBe(i);
      expect(r.text).toBe(docText(i));
      expect((r.embedding as number[] | undefined)?.length ?? 0).toBe(512);
    });
    expect(rows[5].text).toBe('');
    const emb = rows[7].embedding as number[];
    expect(emb.length).toBe(512);
    expect(Math.hypot(...emb)).toBeCloseTo(1, 4);
    // Same text → same vector; different texts → different vectors (no misplaced rows).
    expect(rows[12].embedding).not.toEqual(rows[13].embedding);
  });

  test('Parquet input with --num-chunks gives the same embeddings as CSV input', async () => {
    const n = 60;
    const table = new Table({
      id: vectorFromArray(Array.from({ length: n }, (_, i) => i), new Int32()),
      text: vectorFromArray(Array.from({ length: n }, (_, i) => docText(i)), new Utf8()),
      score: vectorFromArray(Array.from({ length: n }, (_, i) => i * 0.25), new Float64()),
    });
    const input = join(dir, 'in.parquet');
    writeFileSync(input, await writeParquetBuffer(table));
    const out1 = join(dir, 'from-parquet.parquet');
    const out2 = join(dir, 'from-csv.parquet');
    expect(await main(['embed', input, '--num-chunks', '4', '-o', out1, '-q'], capture())).toBe(0);
    // The CSV's `""` (row 5) is the empty string, as in Parquet: both embed it, to the same vector.
    expect(await main(['embed', writeCsv('small.csv', n), '--chunk-size', '7', '-o', out2, '-q'], capture())).toBe(0);
    const [a, b] = [await readBack(out1), await readBack(out2)];
    expect(a.map((r) => r.text)).toEqual(b.map((r) => r.text));
    expect(b[5].text).toBe('');
    expect((a[5].embedding as number[]).length).toBe(512);
    for (let i = 0; i < n; i++) {
      const [x, y] = [a[i].embedding as number[], b[i].embedding as number[]];
      expect(Math.max(...x.map((v, k) => Math.abs(v - y[k])))).toBeLessThan(1e-5);
    }
  });
});

describe('embedbook embed: CSV null vs empty text (PostgreSQL convention)', () => {
  test('an empty text cell, quoted or not, is the empty string and is embedded (pyarrow\'s default)', async () => {
    const input = join(dir, 'blanks.csv');
    writeFileSync(input, 'id,text\n0,first doc\n1,\n2,""\n3,last doc\n');
    const output = join(dir, 'blanks.parquet');
    const io = capture();
    expect(await main(['embed', input, '-o', output], io)).toBe(0);
    expect(io.out).not.toMatch(/rows failed/);
    const rows = await readBack(output);
    expect(rows.map((r) => r.text ?? null)).toEqual(['first doc', '', '', 'last doc']);
    expect(rows.every((r) => !('status' in r))).toBe(true);
    expect((rows[1].embedding as number[]).length).toBe(512);
    expect(Math.hypot(...(rows[1].embedding as number[]))).toBeCloseTo(1, 4);
    expect(rows[1].embedding).toEqual(rows[2].embedding);
    expect(rows[2].embedding).not.toEqual(rows[0].embedding);
  });
  test('a semicolon CSV with a BOM is read with its delimiter detected; --delimiter overrides it', async () => {
    const input = join(dir, 'semi.csv');
    writeFileSync(input, '\uFEFFid;text\r\n0;hello, world\r\n1;second; quoted? no\r\n'.replace('second; quoted? no', '"second; quoted"'));
    const output = join(dir, 'semi.parquet');
    expect(await main(['embed', input, '-o', output], capture())).toBe(0);
    expect((await readBack(output)).map((r) => r.text)).toEqual(['hello, world', 'second; quoted']);
    // Forced to ',': the header is one column and "hello, world" makes two: the override is applied.
    const io = capture();
    expect(await main(['embed', input, '--delimiter', ',', '-o', join(dir, 'semi2.parquet')], io)).not.toBe(0);
    expect(io.err).toMatch(/CsvRaggedRowError/);
  });
});

describe('embedbook embed --text-template', () => {
  test('embeds the text built from several columns (equal to embedding that text as a column); an unknown column is named', async () => {
    const rows = [['python3-sklearn', 'machine learning in Python'], ['ripgrep', 'recursively search for a regex'], ['jq', '']];
    const input = join(dir, 'pkgs.csv');
    writeFileSync(input, `package,description,size\n${rows.map(([p, d], i) => `${p},${d},${i * 10}`).join('\n')}\n`);
    const rendered = join(dir, 'rendered.csv');
    writeFileSync(rendered, `text\n${rows.map(([p, d]) => `${p}: ${d} (${p})`).join('\n')}\n`);
    const out = join(dir, 'pkgs.parquet');
    const io = capture();
    expect(await main(['embed', input, '--text-template', '{package}: {description} ({package})', '-o', out], io), io.err).toBe(0);
    expect(await main(['embed', rendered, '-o', join(dir, 'rendered.parquet')], capture())).toBe(0);
    const [got, want] = [await readBack(out), await readBack(join(dir, 'rendered.parquet'))];
    expect(Object.keys(got[0])).toEqual(['package', 'description', 'size', 'embedding']);
    got.forEach((r, i) => expect(r.embedding).toEqual(want[i].embedding));
    expect(got[0].embedding).not.toEqual(got[1].embedding);

    const bad = capture();
    expect(await main(['embed', input, '--text-template', '{package}: {descr}', '-o', join(dir, 'bad.parquet')], bad)).not.toBe(0);
    expect(bad.err).toMatch(/UnknownColumnError.*has no column "descr", named by the text template "\{package\}: \{descr\}"\. Available columns: "package", "description", "size"/);
    const syntax = capture();
    expect(await main(['embed', input, '--text-template', '{package', '-o', join(dir, 'bad.parquet')], syntax)).not.toBe(0);
    expect(syntax.err).toMatch(/--text-template: Text template "\{package": the '\{' at character 1 is not closed/);
  });
});

describe('embedbook embed --remote (real server, toy handler)', () => {
  let server: EmbedbookServer;
  let url: string;
  beforeAll(async () => {
    server = createServer({
      app: Fastify({ forceCloseConnections: true }),
      port: 0,
      apiKey: 'k',
      workers: 1,
      functions: [{
        definition: { name: 'lengths', args: { text: 'string[]' }, output: 'float32[]', maxBatchingSize: 16, maxBufferDuration: 5, retries: 0 },
        bundle: `export default { async handler(text) {
          if (text.some((t) => t?.includes('topic 4'))) throw new Error('topic 4 is off limits');
          return text.map((t) => [(t ?? '').length, 1]);
        } };`,
      }],
    });
    ({ url } = await server.listen());
  });
  afterAll(async () => {
    await server?.close();
  });

  test('rows that fail get status and error_code columns; the rest keep their results, in order', async () => {
    const input = writeCsv('remote.csv', 50);
    const output = join(dir, 'remote.parquet');
    const io = capture();
    const code = await main(['embed', input, '--remote', url, '--api-key', 'k', '--function', 'lengths', '--chunk-size', '10', '-o', output], io);
    expect(code).toBe(3); // some rows failed
    expect(io.out).toMatch(/rows failed: see the status and error_code columns/);
    const rows = await readBack(output);
    expect(Object.keys(rows[0])).toEqual(['id', 'text', 'score', 'embedding', 'status', 'error_code']);
    rows.forEach((r, i) => {
      expect(Number(r.id)).toBe(i);
      if (i % 11 === 4) {
        expect(r.status).toMatch(/topic 4 is off limits/);
        expect(r.error_code).toBe('ERROR'); // the toy handler throws a plain Error: isolated to this row with its code
        expect(r.embedding ?? null).toBeNull();
      } else {
        expect(r.status).toBe('ok');
        expect(r.embedding).toEqual([docText(i).length, 1]);
      }
    });
  });

  test('--compression picks the output codec (default zstd); every column chunk uses it and the rows read back the same', async () => {
    const input = writeCsv('codec.csv', 30);
    const codecs: Record<string, string[]> = {};
    const texts: Record<string, unknown[]> = {};
    for (const flag of [undefined, 'snappy', 'none']) {
      const output = join(dir, `codec-${flag ?? 'default'}.parquet`);
      const args = ['embed', input, '--remote', url, '--api-key', 'k', '--function', 'lengths', '--chunk-size', '10', '-o', output];
      const code = await main(flag ? [...args, '--compression', flag] : args, capture());
      expect(code).toBe(3); // the toy function fails topic-4 rows; the codec does not matter to that
      const bytes = new Uint8Array(readFileSync(output));
      const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      codecs[flag ?? 'default'] = [...new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec ?? '?')))];
      texts[flag ?? 'default'] = (await readBack(output)).map((r) => [r.text, r.embedding]);
    }
    expect(codecs).toEqual({ default: ['ZSTD'], snappy: ['SNAPPY'], none: ['UNCOMPRESSED'] });
    expect(texts.snappy).toEqual(texts.default);
    expect(texts.none).toEqual(texts.default);
    const bad = capture();
    expect(await main(['embed', input, '--remote', url, '--compression', 'gzip', '-o', join(dir, 'codec-bad.parquet')], bad)).toBe(2);
    expect(bad.err).toMatch(/--compression must be one of zstd, snappy, none, got "gzip"/);
  });

  test('a wrong API key fails with a clear message and writes nothing', async () => {
    const output = join(dir, 'never.parquet');
    const io = capture();
    const code = await main(['embed', writeCsv('k.csv', 5), '--remote', url, '--api-key', 'nope', '--function', 'lengths', '-o', output], io);
    expect(code).toBe(1);
    expect(io.err).toMatch(/embedbook: RemoteAuthError: Unauthorized \(401\) at .*: the API key was rejected/);
    expect(() => readFileSync(output)).toThrow();
  });
});

describe('embedbook embed: bad flags and files', () => {
  const csv = () => writeCsv('flags.csv', 3);
  test.each([
    [['--chunk-size', '5', '--num-chunks', '2'], 2, /--chunk-size 5 and --num-chunks 2 were both given/],
    [['--chunk-size', 'x'], 2, /--chunk-size must be a whole number ≥ 1, got "x"/],
    [['--column', 'body'], 1, /UnknownColumnError: .* has no column "body"\. Available columns: "id", "text", "score"/],
    [['--column', 'score'], 1, /NonTextColumnError: .*column "score" has type Float64, not text.*Text columns: "text"/],
  ])('%j → exit %i with a clear message', async (flags, exit, message) => {
    const io = capture();
    expect(await main(['embed', csv(), ...(flags as string[]), '-o', join(dir, 'x.parquet')], io)).toBe(exit);
    expect(io.err).toMatch(message);
  });

  test('an unreadable or missing file', async () => {
    const io = capture();
    expect(await main(['embed', join(dir, 'missing.csv'), '-o', join(dir, 'x.parquet')], io)).toBe(1);
    expect(io.err).toMatch(/InputFileError: Cannot read input ".*missing\.csv": no such file/);
    const bad = join(dir, 'bad.parquet');
    writeFileSync(bad, 'this is not parquet');
    const io2 = capture();
    expect(await main(['embed', bad, '-o', join(dir, 'x.parquet')], io2)).toBe(1);
    expect(io2.err).toMatch(/NotParquetError/);
  });

  test('the bin script runs the CLI (usage error → exit 2)', async () => {
    const bin = join(import.meta.dirname, '../../bin/embedbook.mjs');
    const err = await promisify(execFile)(process.execPath, [bin, 'embed', csv(), '--chunk-size', '1', '--num-chunks', '1']).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toMatch(/CliUsageError: --chunk-size 1 and --num-chunks 1 were both given/);
  });
});
