import { expect, test } from 'vitest';
import { chunkedCallCode } from './code-snippet';
import { validateChunking } from './validate-chunking';

const fields = { mode: 'numChunks' as const, chunkSize: '64', numChunks: '8', concurrentChunks: '4', timeout: '', retries: '1' };

test('the remote snippet names the server, function and exactly the chosen chunking', () => {
  const code = chunkedCallCode(validateChunking(fields, 100), { kind: 'remote', url: 'http://h:1/api', apiKey: 'k', functionName: 'embed' }, 'body', 'docs.csv');
  expect(code).toContain(`new Remote({ url: "http://h:1/api", apiKey: process.env.EMBEDBOOK_API_KEY })`);
  expect(code).toContain(`remote.function("embed"`);
  expect(code).toContain('numChunks: 8,');
  expect(code).not.toContain('chunkSize');
  expect(code).toContain('timeout: undefined');
  expect(code).toContain(`table.getChild("body")`);
  expect(code).not.toContain("'k'"); // the key itself never appears in copied code
  expect(code.indexOf('import')).toBe(0);
  expect(code.lastIndexOf('import ')).toBeLessThan(code.indexOf('const '));
});

test('the local snippet uses LocalRuntime with the chosen model', () => {
  const code = chunkedCallCode(validateChunking({ ...fields, mode: 'chunkSize' }, 100), { kind: 'local', device: 'wasm', model: { kind: 'url', url: 'https://m/x/' } }, 'text', null);
  expect(code).toContain(`new LocalRuntime({ model: { url: "https://m/x/" } })`);
  expect(code).toContain('chunkSize: 64,');
});

test('a text template is rendered with renderTextTemplate, never read as a column name', () => {
  const tpl = '{package}: {description}';
  const code = chunkedCallCode(validateChunking(fields, 100), { kind: 'local', device: 'wasm', model: { kind: 'default' } }, tpl, 'pkgs.csv', ['package', 'description']);
  expect(code).not.toContain('getChild');
  expect(code).toContain(`renderTextTemplate(parseTextTemplate(${JSON.stringify(tpl)}), table)`);
  expect(code).toMatch(/import \{ LocalRuntime, readCsv, parseTextTemplate, renderTextTemplate \} from 'embedbook'/);
  // A column whose name has braces is that column, as the Dataset cell and src/io decide.
  const braces = chunkedCallCode(validateChunking(fields, 100), { kind: 'local', device: 'wasm', model: { kind: 'default' } }, '{odd}', 'x.csv', ['{odd}']);
  expect(braces).toContain('table.getChild("{odd}")');
  expect(braces).not.toContain('renderTextTemplate');
});

test('the built-in model in int8 carries dtype q8 into the snippet; fp32 (the default) adds nothing', () => {
  const v = validateChunking(fields, 100);
  const int8 = chunkedCallCode(v, { kind: 'local', device: 'wasm', model: { kind: 'default', dtype: 'q8' } }, 'text', null);
  expect(int8).toContain(`new LocalRuntime({ model: 'default', dtype: "q8" })`);
  const fp32 = chunkedCallCode(v, { kind: 'local', device: 'wasm', model: { kind: 'default' } }, 'text', null);
  expect(fp32).toContain(`new LocalRuntime({ model: 'default' })`);
});
