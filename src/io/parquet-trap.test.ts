// A Rust panic inside parquet-wasm's async reader escapes from a microtask: it would kill the
// process (or hang the read). It is exercised in a child process so a regression cannot take
// the test runner down with it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('wasm trap guard', () => {
  it('turns a decoder panic in the async reader into ParquetReadError, and the decoder keeps working', () => {
    const script = fileURLToPath(new URL('./trap-check.script.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 90_000 });
    expect(run.stderr).not.toContain('RuntimeError: unreachable');
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { asyncRead: { name: string; message: string }; goodRowsAfter: number };
    expect(report.asyncRead.name).toBe('ParquetReadError');
    expect(report.asyncRead.message).toContain('"panic.parquet" could not be read as Parquet: the Parquet decoder crashed on it');
    expect(report.goodRowsAfter).toBe(300);
  });
});
