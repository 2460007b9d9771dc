// Parsing of `embedbook serve`'s pool and limit flags: accepted forms and the errors for bad ones.
import { describe, expect, test } from 'vitest';
import { GENERIC_GPU_KIND, describePool, parseBytes, parseGpus, parseServeTuning } from './serve-options';

describe('parseServeTuning', () => {
  test('no flags leaves every option to the server defaults', () => {
    expect(parseServeTuning({})).toEqual({});
  });

  test('all flags', () => {
    expect(parseServeTuning({ workers: '3', threadsPerWorker: '2', allowCpuFallback: true, maxQueuedRows: '5000', bodyLimit: '64MiB' })).toEqual({
      workers: 3, threadsPerWorker: 2, allowCpuFallback: true, maxQueuedRows: 5000, bodyLimit: 64 * 1024 * 1024,
    });
  });

  test('--gpus as a count or a list of kinds', () => {
    expect(parseGpus('2')).toEqual([GENERIC_GPU_KIND, GENERIC_GPU_KIND]);
    expect(parseGpus('nvidia-l4, nvidia-a100')).toEqual(['nvidia-l4', 'nvidia-a100']);
    expect(parseServeTuning({ gpus: 'nvidia-l4' })).toEqual({ gpus: ['nvidia-l4'] });
    expect(() => parseGpus('0')).toThrow(/--gpus must be a whole number from 1 to 256/);
    expect(() => parseGpus('nvidia-l4,,x')).toThrow(/"" is not a kind name/);
  });

  test('--device chooses what the --gpus workers run on, and needs --gpus', () => {
    expect(parseServeTuning({ gpus: '1', device: 'webgpu' })).toEqual({ gpus: [GENERIC_GPU_KIND], device: 'webgpu' });
    expect(parseServeTuning({ gpus: '2', device: 'cuda' })).toEqual({ gpus: [GENERIC_GPU_KIND, GENERIC_GPU_KIND], device: 'cuda' });
    expect(() => parseServeTuning({ device: 'webgpu' })).toThrow(/--device webgpu chooses what GPU workers run on: give it with --gpus/);
    expect(() => parseServeTuning({ gpus: '1', device: 'wasm' })).toThrow(/--device must be one of auto, cuda, webgpu .*got "wasm"/);
  });

  test('sizes in bytes or binary units', () => {
    expect(parseBytes('33554432')).toBe(33554432);
    expect(parseBytes('512KiB')).toBe(512 * 1024);
    expect(parseBytes('1.5m')).toBe(1.5 * 1024 * 1024);
    expect(parseBytes('1GiB')).toBe(1024 ** 3);
    for (const bad of ['', '-5', '1000', '3GiB', '10 parsecs', 'lots']) expect(() => parseBytes(bad), bad).toThrow(/--body-limit must be a size from 1KiB to 2GiB/);
  });

  test('bad values name the flag and the value', () => {
    const err = (f: Parameters<typeof parseServeTuning>[0]) => {
      try {
        parseServeTuning(f);
      } catch (e) {
        return e as Error & { flag?: string };
      }
      throw new Error('expected an error');
    };
    const w = err({ workers: '1.5' });
    expect(w.name).toBe('CliUsageError');
    expect(w.flag).toBe('workers');
    expect(w.message).toMatch(/got "1\.5"/);
    expect(err({ workers: '1000' }).message).toMatch(/from 0 to 256 \(worker threads; 0 = an API node/);
    expect(() => parseServeTuning({ workers: '0' }, 1)).toThrow(/--workers must be a whole number from 1 to 256/);
    expect(parseServeTuning({ workers: '0' })).toEqual({ workers: 0 });
    expect(err({ maxQueuedRows: '0' }).flag).toBe('max-queued-rows');
    expect(err({ workers: '1', gpus: '1' }).message).toMatch(/pass one or the other/);
  });

  test('the banner line', () => {
    expect(describePool({}, 2, 1)).toBe('2 workers × 1 ORT thread');
    expect(describePool({ workers: 0 }, 0, 1)).toMatch(/^no workers \(an API node/);
    expect(describePool({ gpus: ['gpu', 'gpu'], allowCpuFallback: true }, 2, 1)).toBe('2 GPU workers (gpu, gpu), CPU fallback on');
  });
});
