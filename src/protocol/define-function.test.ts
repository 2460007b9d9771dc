import { describe, expect, test } from 'vitest';
import { defineFunction, memoryMb, toFunctionSpec, validateSpec } from './define-function';
import { InvalidDefinitionError, ScalarHandlerError } from './errors';

describe('defineFunction', () => {
  test('accepts a batch handler and fills defaults in the spec', () => {
    const def = defineFunction({ name: 'len', args: { text: 'string[]' }, handler: async (text: string[]) => text.map((t) => t.length) });
    expect(validateSpec(toFunctionSpec(def), { hasHandler: true })).toEqual({
      name: 'len', args: { text: 'string[]' }, input: 'columns', maxBatchingSize: 32, maxBufferDuration: 100, retries: 3, resources: {},
    });
    expect(toFunctionSpec(def)).not.toHaveProperty('handler');
  });

  test('the built-in model: defaults to text → float32[] and refuses a handler next to it', () => {
    expect(validateSpec({ name: 'embed', model: 'default', maxBatchingSize: 25, maxBufferDuration: 2000, retries: 3, resources: { cpu: 2, memory: '4Gi', gpu: 'nvidia-l4' } }, { hasHandler: false }))
      .toMatchObject({ model: 'default', output: 'float32[]', args: { text: 'string[]' }, resources: { cpu: 2, memory: '4Gi', gpu: 'nvidia-l4' } });
    expect(() => validateSpec({ name: 'embed', model: 'default' }, { hasHandler: true })).toThrow(/exclusive/);
    expect(() => validateSpec({ name: 'embed' }, { hasHandler: false })).toThrow(/handler` is missing/);
  });

  test('a scalar argument or batch: false is refused with ScalarHandlerError saying why', () => {
    const scalar = () => defineFunction({ name: 'one', args: { text: 'string' }, handler: (t: string) => t.length });
    expect(scalar).toThrow(ScalarHandlerError);
    expect(scalar).toThrow(/argument "text" as a scalar "string" \(use "string\[\]"\).*defeats batching/);
    expect(() => defineFunction({ name: 'one', batch: false, handler: () => 0 })).toThrow(ScalarHandlerError);
  });

  test.each([
    [{ name: '9bad' }, 'name'],
    [{ name: 'f', maxBatchingSize: 0 }, 'maxBatchingSize'],
    [{ name: 'f', maxBufferDuration: -1 }, 'maxBufferDuration'],
    [{ name: 'f', retries: 1.5 }, 'retries'],
    [{ name: 'f', args: { x: 'date[]' } }, 'args.x'],
    [{ name: 'f', args: {} }, 'args'],
    [{ name: 'f', args: { '1': 'string[]' } }, 'args.1'],
    [{ name: 'f', resources: { memory: 'lots' } }, 'resources.memory'],
    [{ name: 'f', resources: { memory: '32Mi' } }, 'resources.memory'],
    [{ name: 'f', resources: { cpu: 0 } }, 'resources.cpu'],
    [{ name: 'f', output: 'float16' }, 'output'],
    [{ name: 'f', input: 'rows' }, 'input'],
  ])('rejects %j naming `%s`', (def, field) => {
    let err: unknown;
    try {
      validateSpec(def, { hasHandler: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidDefinitionError);
    expect((err as InvalidDefinitionError).field).toBe(field);
    expect((err as Error).message).toContain(`\`${field}\``);
  });
});

test('resources.memory in MiB: binary and decimal units, 1 GiB by default', () => {
  expect(memoryMb(undefined)).toBe(1024);
  expect(memoryMb('4Gi')).toBe(4096);
  expect(memoryMb('512Mi')).toBe(512);
  expect(memoryMb('1G')).toBe(953); // 10^9 bytes
  expect(memoryMb('1.5Gi')).toBe(1536);
  expect(memoryMb(String(256 * 2 ** 20))).toBe(256); // plain bytes
  expect(() => memoryMb('1Xi')).toThrow(InvalidDefinitionError);
  expect(validateSpec({ name: 'f', resources: { memory: '64Mi' } }, { hasHandler: true }).resources.memory).toBe('64Mi');
});
