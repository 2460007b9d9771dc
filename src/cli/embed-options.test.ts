import { describe, expect, test } from 'vitest';
import { parseEmbedFlags } from './embed-options';
import { formatDuration, formatProgress, ProgressBar } from './progress-bar';

describe('parseEmbedFlags', () => {
  test('defaults: chunk size 50, 4 concurrent chunks, no timeout, local default model', () => {
    expect(parseEmbedFlags('in.csv', {})).toEqual({
      input: 'in.csv', column: 'text', chunking: { chunkSize: 50 }, concurrentChunks: 4, timeout: undefined, retries: 0,
      output: 'embeddings.parquet', remote: undefined, local: { model: 'default', device: 'auto' }, quiet: false, force: false, rowGroupRows: 10_000, compression: 'zstd',
    });
  });

  test('the seed flags map onto engine options', () => {
    const p = parseEmbedFlags('docs.parquet', {
      column: 'body', numChunks: '8', concurrentChunks: '2', timeout: '300', retries: '2', output: 'out.parquet',
      remote: 'http://127.0.0.1:7711', apiKey: 'k', function: 'embed2',
    });
    expect(p.chunking).toEqual({ numChunks: 8 });
    expect(p).toMatchObject({ column: 'body', concurrentChunks: 2, timeout: 300, retries: 2, output: 'out.parquet' });
    expect(p.remote).toEqual({ url: 'http://127.0.0.1:7711', apiKey: 'k', functionName: 'embed2' });
    expect(p.local).toBeUndefined();
    expect(parseEmbedFlags('a.csv', { timeout: 'none' }).timeout).toBeUndefined();
    expect(parseEmbedFlags('a.csv', { compression: 'Snappy' }).compression).toBe('snappy');
    expect(parseEmbedFlags('a.csv', { compression: 'none' }).compression).toBe('uncompressed');
    expect(parseEmbedFlags('a.csv', { timeout: '0.5' }).timeout).toBe(0.5);
    expect(parseEmbedFlags('a.csv', { model: 'intfloat/multilingual-e5-small', prompt: 'query' }).local).toEqual({ model: 'intfloat/multilingual-e5-small', device: 'auto', prompt: 'query' });
  });

  test.each([
    [{ chunkSize: '50', numChunks: '8' }, /--chunk-size 50 and --num-chunks 8 were both given; pass one or the other/],
    [{ chunkSize: '0' }, /--chunk-size must be a whole number ≥ 1, got "0"/],
    [{ chunkSize: '2.5' }, /--chunk-size must be a whole number ≥ 1, got "2.5"/],
    [{ numChunks: 'eight' }, /--num-chunks must be a whole number ≥ 1, got "eight"/],
    [{ concurrentChunks: '-1' }, /--concurrent-chunks must be a whole number ≥ 1, got "-1"/],
    [{ timeout: '0' }, /--timeout is seconds per chunk and must be > 0 \(or "none"/],
    [{ timeout: 'soon' }, /--timeout .* got "soon"/],
    [{ retries: '-2' }, /--retries must be a whole number ≥ 0, got "-2"/],
    [{ output: 'out.csv' }, /-o\/--output "out.csv" must end in .parquet/],
    [{ apiKey: 'k' }, /--api-key only applies with --remote URL/],
    [{ remote: '127.0.0.1:7711' }, /--remote must be an http\(s\) URL like http:\/\/127.0.0.1:7711, got "127.0.0.1:7711"/],
    [{ function: 'embed' }, /--function names a function on a server; pass --remote URL/],
    [{ compression: 'gzip' }, /--compression must be one of zstd, snappy, none, got "gzip"/],
    [{ device: 'wasm' }, /--device must be one of auto, cpu, cuda, webgpu in Node, got "wasm"/],
    [{ remote: 'http://x', model: 'default' }, /--model\/--device choose the local model/],
    [{ dtype: 'int3' }, /--dtype must be one of fp32, fp16, q8, q4, got "int3"/],
    [{ remote: 'http://x', prompt: 'query' }, /--model\/--device choose the local model \(and --prompt its prompt\)/],
  ])('rejects %o with a message naming the flag', (flags, message) => {
    let err: unknown;
    try {
      parseEmbedFlags('in.csv', flags);
    } catch (e) {
      err = e;
    }
    expect((err as Error).name).toBe('CliUsageError');
    expect((err as Error).message).toMatch(message);
  });

  test('rejects inputs that are neither CSV nor Parquet, and a missing input', () => {
    expect(() => parseEmbedFlags('data.json', {})).toThrow(/"data.json" is neither .csv nor .parquet/);
    expect(() => parseEmbedFlags(undefined, {})).toThrow(/Missing input file/);
  });
});

describe('progress line', () => {
  test('shows percent, rows, chunks, rows/s and ETA', () => {
    const line = formatProgress({ totalRows: 1000, doneRows: 250, totalChunks: 20, doneChunks: 5, failedRows: 0, retries: 0, elapsedMs: 2000 }, 10);
    expect(line).toBe('███░░░░░░░  25% · 250/1,000 rows · chunks 5/20 · 125 rows/s · ETA 6s');
  });

  test('a finished run shows the total time, retries and failed rows', () => {
    const line = formatProgress({ totalRows: 1000, doneRows: 1000, totalChunks: 20, doneChunks: 20, failedRows: 3, retries: 2, elapsedMs: 4000 }, 4);
    expect(line).toBe('████ 100% · 1,000/1,000 rows · chunks 20/20 · 250 rows/s · in 4s · 2 retries · 3 failed');
  });

  test('durations read naturally', () => {
    expect(formatDuration(59_400)).toBe('59s');
    expect(formatDuration(61_000)).toBe('1m01s');
    expect(formatDuration(3_720_000)).toBe('1h02m');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--');
  });

  test('without a TTY it prints one line per 10% and a final line, from engine events', () => {
    const lines: string[] = [];
    let t = 0;
    const bar = new ProgressBar({ totalRows: 100, totalChunks: 4, write: (s) => lines.push(s), isTTY: false, now: () => t });
    for (let c = 0; c < 4; c++) {
      t += 1000;
      bar.onEvent({ status: 'running', chunk: c, offset: c * 25, rows: 25, attempt: 1 });
      bar.onEvent({ status: 'done', chunk: c, offset: c * 25, rows: 25, attempt: 1, latencyMs: 1000, failedRows: c === 3 ? 1 : 0 });
    }
    bar.finish();
    expect(lines.length).toBe(5); // 0% (first event) + 25/50/75/100%
    expect(lines.at(-1)).toMatch(/100% · 100\/100 rows · chunks 4\/4 · 25.0 rows\/s · in 4s · 1 failed\n$/);
    expect(bar.snapshot.doneRows).toBe(100);
  });
});

describe('progress bar on a terminal', () => {
  test('redraws one line in place, throttled, and ends with a newline', () => {
    const out: string[] = [];
    let t = 0;
    const bar = new ProgressBar({ totalRows: 10, totalChunks: 10, write: (s) => out.push(s), isTTY: true, now: () => t, intervalMs: 100 });
    for (let c = 0; c < 10; c++) {
      t += 30; // 3 events per 100 ms: most are not drawn
      bar.onEvent({ status: 'done', chunk: c, offset: c, rows: 1, attempt: 1, latencyMs: 30, failedRows: 0 });
    }
    bar.finish();
    expect(out.length).toBeLessThan(10);
    expect(out.slice(0, -1).every((s) => s.startsWith('\r\x1b[2K'))).toBe(true);
    expect(out.at(-2)).toMatch(/100% · 10\/10 rows .* in 0s$/);
    expect(out.at(-1)).toBe('\n');
  });
});

describe('--delimiter', () => {
  test('accepts the four delimiters by character or name, refuses anything else by name', () => {
    expect(parseEmbedFlags('a.csv', { delimiter: ';' }).delimiter).toBe(';');
    expect(parseEmbedFlags('a.csv', { delimiter: 'tab' }).delimiter).toBe('\t');
    expect(parseEmbedFlags('a.csv', { delimiter: '\\t' }).delimiter).toBe('\t');
    expect(parseEmbedFlags('a.csv', { delimiter: 'pipe' }).delimiter).toBe('|');
    expect(parseEmbedFlags('a.csv', {}).delimiter).toBeUndefined();
    expect(() => parseEmbedFlags('a.csv', { delimiter: ':' })).toThrow(/--delimiter must be one of , ; tab \|/);
  });
});
