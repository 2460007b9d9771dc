import { expect, test } from 'vitest';
import { RemoteAuthError } from '../../client/errors';
import { uiWording } from './ui-wording';

test('library wording becomes the cells\' names', () => {
  const err = new RemoteAuthError('http://x/api', 401, '', 'API key', false);
  expect(uiWording(err.message)).toContain('enter it in the API key field (cell 2)');
  expect(uiWording(err.message)).not.toContain('{ apiKey }');
  expect(uiWording('Invalid option `chunkSize`: got 0; concurrentChunks too')).toBe('Invalid option chunk_size: got 0; concurrent_chunks too');
});
