// `embedbook bench`: lists the benchmarks bench/ holds, and refuses an unknown name with the list
// and a usage exit code — before running anything. (The benchmarks themselves run with
// `npm run bench`; they write bench/results, so the unit tests do not run them.)
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { main } from './main';

const benchDir = fileURLToPath(new URL('../../bench/', import.meta.url));
const onDisk = readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, '')).sort();

function capture() {
  const io = { out: '', err: '', isTTY: false, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

test('with no name it lists every bench/*.bench.ts and says how to run one', async () => {
  const io = capture();
  expect(await main(['bench'], io)).toBe(0);
  expect(onDisk).toEqual(expect.arrayContaining(['io', 'queue']));
  expect(io.out).toContain(`benchmarks: ${onDisk.join(', ')}\n`);
  expect(io.out).toContain('embedbook bench <name>');
});

test('an unknown name (alone or among its flags) is a usage error naming the ones there are', async () => {
  const io = capture();
  expect(await main(['bench', 'qeue', '--rows', '10'], io)).toBe(2);
  expect(io.err).toContain('Unknown benchmark "qeue"');
  expect(io.err).toContain(`Available: ${onDisk.join(', ')}.`);
  expect(io.out).not.toContain('=== bench');
});
