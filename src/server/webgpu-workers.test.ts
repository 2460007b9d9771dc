// GPU workers on onnxruntime-node's bundled WebGPU provider, end to end on a real (software)
// adapter: Debian chromium's SwiftShader Vulkan driver. The default model and a synthetic BERT run
// through a `--gpus 1` server (real HTTP) and through the CLI, and must match the CPU path within
// 1e-4 on fidelity sentences. SwiftShader emulates the GPU on the CPU and is slow (seconds per
// batch for the default model), so the default model gets a few short sentences and the BERT more.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { main, type CliIO } from '../cli/main';
import { readWithHyparquet } from '../io/test-fixtures';
import { generateSyntheticBert } from '../model/bert/generate';
import { createNodeSession } from '../model/node-session';
import { Embedder } from '../model/pipeline/embedder';
import { loadNodeModel } from '../model/registry-node';
import type { ModelSpec } from '../model/registry';
import { FIDELITY_SENTENCES } from '../model/use/fidelity-sentences';
import { SWIFTSHADER_ICD } from '../model/webgpu-probe';
import { callId, column, deploy, result, start, submit, textTable, type Running } from './test-fixtures/http';

// Before any session starts: Dawn reads the Vulkan driver list once per process.
process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

const dir = mkdtempSync(join(tmpdir(), 'embedbook-webgpu-'));
const bertDir = generateSyntheticBert('tiny', join(dir, 'bert')).dir;
/** Short ones for the default model (hand-picked edge cases: empty, punctuation, unicode…). */
const USE_TEXTS = FIDELITY_SENTENCES.slice(8, 12);
const BERT_TEXTS = FIDELITY_SENTENCES.slice(0, 20);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cpuReference(spec: ModelSpec, texts: readonly string[]): Promise<Array<Float32Array | null>> {
  const loaded = await loadNodeModel(spec);
  const session = await createNodeSession(loaded.model, { device: 'cpu', threads: 1 });
  try {
    return (await new Embedder(loaded.tokenizer, session).embed(texts)).values;
  } finally {
    await session.dispose();
  }
}

function maxAbsDiff(got: ArrayLike<number>[], want: Array<Float32Array | null>): number {
  let max = 0;
  want.forEach((w, i) => {
    expect(w).not.toBeNull();
    expect(got[i]).toHaveLength(w!.length);
    for (let j = 0; j < w!.length; j++) max = Math.max(max, Math.abs(Number(got[i][j]) - w![j]));
  });
  return max;
}

function capture(signal?: AbortSignal): CliIO & { out: string; err: string } {
  const io = { out: '', err: '', isTTY: false, signal, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

describe('embedbook serve --gpus 1 --device webgpu (default model)', () => {
  const stop = new AbortController();
  const io = capture(stop.signal);
  let served: Promise<number>;
  let url = '';
  beforeAll(async () => {
    served = main(['serve', '--port', '0', '--gpus', '1', '--device', 'webgpu', '--threads-per-worker', '1'], io);
    // serve prints its URL once it listens (the WebGPU worker loads the model first).
    await vi.waitFor(() => expect(io.out, 'serve printed its URL').not.toBe(''), { timeout: 30_000, interval: 25 });
    url = io.out.trim();
  });
  afterAll(async () => {
    stop.abort();
    await served;
  });

  test('the banner, /health and /metrics say webgpu on the SwiftShader adapter and why', async () => {
    expect(io.err).toMatch(/pool: 1 GPU worker \(gpu\)\n {2}device: webgpu \(WebGPU requested: SwiftShader \(Google's software Vulkan\), vendor google, runs on the CPU, software/);
    const health = (await (await fetch(`${url}/health`)).json()) as { device: Record<string, unknown> };
    expect(health.device).toMatchObject({ requested: 'webgpu', device: 'webgpu', adapter: { vendor: 'google', software: true, index: 0 } });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^embedbook_worker_device\{device="webgpu",requested="webgpu",adapter="google cpu \(software\)",reason="WebGPU requested: SwiftShader[^"]*"\} 1$/m);
  });

  test('embeds over HTTP on the GPU worker, within 1e-4 of the CPU path', async () => {
    const { table } = await result(url, await callId(await submit(url, 'embed', textTable([...USE_TEXTS]))), undefined, 170);
    expect(column(table, 'status')).toEqual(USE_TEXTS.map(() => 'ok'));
    const diff = maxAbsDiff(column(table, 'result') as number[][], await cpuReference('default', USE_TEXTS));
    expect(diff).toBeLessThanOrEqual(1e-4);
  });
});

describe('createServer({ gpus, device: "webgpu" }) with a BERT model', () => {
  let s: Running;
  beforeAll(async () => {
    s = await start({ gpus: ['gpu'], device: 'webgpu', threadsPerWorker: 1, models: { bert: { folder: bertDir } } });
  });
  afterAll(async () => s?.close());

  test(`${BERT_TEXTS.length} fidelity sentences over HTTP, within 1e-4 of the CPU path`, async () => {
    expect((await deploy(s.url, { name: 'bert', model: 'bert', maxBatchingSize: 64, maxBufferDuration: 10 })).status).toBe(201);
    const { table } = await result(s.url, await callId(await submit(s.url, 'bert', textTable([...BERT_TEXTS]))), undefined, 170);
    expect(column(table, 'status')).toEqual(BERT_TEXTS.map(() => 'ok'));
    expect(s.server.queue.device.device).toBe('webgpu');
    const diff = maxAbsDiff(column(table, 'result') as number[][], await cpuReference({ folder: bertDir }, BERT_TEXTS));
    expect(diff).toBeLessThanOrEqual(1e-4);
  });
});

describe('embedbook embed --device webgpu', () => {
  const csv = (name: string, texts: readonly string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `text\n${texts.map((t) => `"${t.replace(/"/g, '""')}"`).join('\n')}\n`);
    return path;
  };

  test.each([
    ['default', USE_TEXTS, 'default' as ModelSpec],
    ['bert', BERT_TEXTS, { folder: bertDir } as ModelSpec],
  ])('%s model: CSV → Parquet on the GPU, within 1e-4 of the CPU path', async (name, texts, spec) => {
    const output = join(dir, `${name}.parquet`);
    const io = capture();
    const model = typeof spec === 'string' ? [] : ['--model', bertDir];
    const code = await main(['embed', csv(`${name}.csv`, texts), '--device', 'webgpu', ...model, '--timeout', '170', '-o', output], io);
    expect(io.err).not.toMatch(/embedbook: /);
    expect(code).toBe(0);
    expect(io.err).toMatch(/Backend: .*webgpu: WebGPU requested: SwiftShader/);
    const rows = await readWithHyparquet(new Uint8Array(readFileSync(output)));
    expect(rows.map((r) => r.text)).toEqual([...texts]);
    const diff = maxAbsDiff(rows.map((r) => r.embedding as number[]), await cpuReference(spec, texts));
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  test('no adapter: a child process whose VK_ICD_FILENAMES names a missing file gets GpuUnavailableError naming it', async () => {
    const bin = join(import.meta.dirname, '../../bin/embedbook.mjs');
    const missing = join(dir, 'no-such-icd.json');
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [bin, ...args], { env: { ...process.env, VK_ICD_FILENAMES: missing } }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
    const embed = await run(['embed', csv('one.csv', ['hello']), '--device', 'webgpu', '-o', join(dir, 'one.parquet')]);
    expect(embed.code).toBe(1);
    expect(embed.stderr).toContain(`GpuUnavailableError: device 'webgpu' is unavailable (no Vulkan driver): no Vulkan driver could be loaded: VK_ICD_FILENAMES names ${missing}, which does not exist`);
    const serve = await run(['serve', '--port', '0', '--gpus', '1', '--device', 'webgpu']);
    expect(serve.code).toBe(1);
    expect(serve.stderr).toContain('GpuUnavailableError');
  });
});
