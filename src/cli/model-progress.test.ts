import { expect, test } from 'vitest';
import { modelDownloadPrinter } from './model-progress';

test('download progress: a line at 0%, each 10% and done per file; cache hits and compile events silent', () => {
  const lines: string[] = [];
  const print = modelDownloadPrinter((l) => lines.push(l));
  print({ status: 'download', file: 'onnx/model.onnx', loaded: 0, total: 90_000_000 });
  for (let loaded = 1_000_000; loaded <= 90_000_000; loaded += 1_000_000) print({ status: 'download', file: 'onnx/model.onnx', loaded, total: 90_000_000 });
  print({ status: 'download', file: 'config.json', loaded: 600, total: 600, cached: true });
  print({ status: 'download', file: 'model.onnx', loaded: 28_000_000, total: 28_000_000 }); // read from a folder
  print({ status: 'compile', file: 'onnx/model.onnx' });
  print({ status: 'download', file: 'tokenizer.json', loaded: 2_000_000 });
  expect(lines).toHaveLength(12);
  expect(lines[0]).toBe('model: downloading onnx/model.onnx 0.0 / 90.0 MB (0%)\n');
  expect(lines[10]).toBe('model: downloading onnx/model.onnx 90.0 / 90.0 MB (100%)\n');
  expect(lines[11]).toBe('model: downloading tokenizer.json 2.0 MB\n');
});
