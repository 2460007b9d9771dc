import { describe, expect, it } from 'vitest';
import { segmentOptions } from './segment-options';

describe('segmentOptions', () => {
  it('lists value/label pairs in the record order', () => {
    expect(segmentOptions<'auto' | 'webgpu' | 'wasm'>({ auto: 'Auto', webgpu: 'WebGPU', wasm: 'WASM' })).toEqual([
      { value: 'auto', label: 'Auto' },
      { value: 'webgpu', label: 'WebGPU' },
      { value: 'wasm', label: 'WASM' },
    ]);
  });
});
