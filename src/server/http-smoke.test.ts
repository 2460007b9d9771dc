import { afterAll, beforeAll, expect, test } from 'vitest';
import { LENGTH_BUNDLE } from './test-fixtures/handlers';
import { callId, column, result, start, submit, textTable, type Running } from './test-fixtures/http';

let s: Running;
beforeAll(async () => {
  s = await start({ functions: [{ definition: { name: 'len', args: { text: 'string[]' }, maxBatchingSize: 4, maxBufferDuration: 20, output: 'float64' }, bundle: LENGTH_BUNDLE }] });
});
afterAll(async () => s?.close());

test('submit then poll returns one result per row, in order', async () => {
  const texts = ['a', 'bb', 'ccc', '', 'eeeee', 'ffffff'];
  const id = await callId(await submit(s.url, 'len', textTable(texts)));
  const { table, res } = await result(s.url, id);
  expect(res.headers.get('x-call-status')).toBe('done');
  expect(column(table, 'result')).toEqual(texts.map((t) => t.length));
  expect(column(table, 'status')).toEqual(texts.map(() => 'ok'));
});
