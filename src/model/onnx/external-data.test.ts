// External data (`onnx/model.onnx` + `onnx/model.onnx_data`): the graph/weights split, and a hub
// repo in that layout loaded by id in Node (LocalRuntime) and in a server function's `model:`,
// from the tests' local hub mirror (weights redirected to its "CDN", as the hub does), with the
// same vectors as the self-contained file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LocalRuntime } from '../../client/local-runtime-node';
import { callId, column, deploy, result, start, submit, textTable, type Running } from '../../server/test-fixtures/http';
import { ensureSyntheticBert } from '../bert/generate';
import { startHubServer, type HubServer } from '../testing/hub-server';
import { decodeModel } from './builder';
import { externalDataLocations, saveWithExternalData } from './external-data';

const TEXTS = ['hello world', 'external weights load like inline ones', ''];

describe('saveWithExternalData / externalDataLocations', () => {
  test('moves the large initializers into one file at 4 kB-aligned offsets; the graph names it', () => {
    const inline = readFileSync(join(ensureSyntheticBert('tiny').dir, 'onnx/model.onnx'));
    const { model, data } = saveWithExternalData(inline, 'model.onnx_data');
    expect(model.byteLength).toBeLessThan(inline.byteLength / 10);
    expect(data.byteLength).toBeGreaterThan(inline.byteLength * 0.9);
    expect(externalDataLocations(model)).toEqual(['model.onnx_data']);
    expect(externalDataLocations(inline)).toEqual([]);
    const ext = decodeModel(model).graph!.initializer!.filter((t) => t.dataLocation === 1);
    expect(ext.length).toBeGreaterThan(3);
    for (const t of ext) expect(Number(t.externalData!.find((e) => e.key === 'offset')!.value) % 4096).toBe(0);
  });

  test('a location outside the model folder is refused', () => {
    const inline = readFileSync(join(ensureSyntheticBert('tiny').dir, 'onnx/model.onnx'));
    for (const bad of ['../secret', '/etc/passwd', 'a\\b', 'C:/x', '']) {
      expect(() => saveWithExternalData(inline, bad), bad).toThrow(/not a relative path inside the model's folder/);
    }
  });
});

describe('a hub repo with onnx/model.onnx_data', () => {
  let hub: HubServer;
  let cacheDir: string;
  const env = { ...process.env };
  beforeAll(async () => {
    const dir = ensureSyntheticBert('tiny').dir;
    const { model, data } = saveWithExternalData(readFileSync(join(dir, 'onnx/model.onnx')), 'model.onnx_data');
    const text = (f: string) => readFileSync(join(dir, f), 'utf8');
    const common = { 'config.json': text('config.json'), 'tokenizer.json': text('tokenizer.json'), 'tokenizer_config.json': text('tokenizer_config.json') };
    hub = await startHubServer(
      {
        'test/inline': { dir },
        'test/external': { files: { ...common, 'onnx/model.onnx': model, 'onnx/model.onnx_data': data } },
        'test/external-missing': { files: { ...common, 'onnx/model.onnx': model } },
      },
      { redirectWeights: true },
    );
    cacheDir = mkdtempSync(join(tmpdir(), 'eb-ext-cache-'));
    process.env.HF_ENDPOINT = hub.endpoint;
    process.env.EMBEDBOOK_CACHE = cacheDir;
  });
  afterAll(async () => {
    process.env = { ...env };
    await hub?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  async function embed(model: string): Promise<Float32Array[]> {
    const rt = new LocalRuntime({ model, device: 'cpu' });
    try {
      return (await rt.embedTexts(TEXTS)).values as Float32Array[];
    } finally {
      await rt.dispose();
    }
  }

  test('LocalRuntime by id downloads model.onnx_data and embeds exactly like the inline file', async () => {
    const [inline, external] = [await embed('test/inline'), await embed('test/external')];
    expect(hub.served()).toContain('test/external/main/onnx/model.onnx_data');
    external.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(inline[i])));
  });

  test('a graph whose external file is missing fails naming that file', async () => {
    await expect(embed('test/external-missing')).rejects.toThrow(/onnx\/model\.onnx keeps its weights in onnx\/model\.onnx_data, which is missing/);
  });

  test("a server function's model: id runs the external-data repo in its worker", async () => {
    const s: Running = await start({ threadsPerWorker: 1 });
    try {
      const res = await deploy(s.url, { name: 'ext', model: 'test/external', maxBatchingSize: 8, maxBufferDuration: 5, resources: { cpu: 1, memory: '1Gi' } });
      expect(res.status, await res.clone().text()).toBe(201);
      const { table } = await result(s.url, await callId(await submit(s.url, 'ext', textTable(TEXTS))));
      const got = column(table, 'result') as number[][];
      const want = await embed('test/inline');
      got.forEach((v, i) => expect(Math.max(...v.map((x, j) => Math.abs(x - want[i][j])))).toBeLessThan(1e-6));
    } finally {
      await s.close();
    }
  });
});
