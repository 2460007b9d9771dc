// Damaged Parquet files found by `npm run fuzz -- parquet`, replayed: each must end in one of the
// io's own errors, promptly (the test's timeout is the hang check).
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { readParquet } from './parquet-read';

describe('damaged Parquet found by the fuzzer', () => {
  it('a schema element with a negative child count (seed 2026, case 32181) is a ParquetReadError, not an endless loop', { timeout: 20_000 }, async () => {
    // An embeddings file whose schema says num_children = -2: hyparquet's GeoParquet pass walked
    // the schema with `i += num_children` and never ended.
    const bytes = Buffer.from(
    'UEFSMRUAFfYCFaABLBUUFQAVBhUGAAC7AWgDAAAABe8DEAAAAHJvdyAwIHRleHQgw7xuw68RFAAxShQAADJKFAAAM0oUAAA1' +
    'ShQAADZKFAAAN0oUAAA4ShQALDkgdGV4dCDDvG7DrxUAFeACFbQBLBVQFQAVBhUGAACwARQGAAAAC+4BARACAAAAUAEFMAAA' +
    'AIA/AAAAQAAAQEAJDC4QAAEYLhAAESQBGAUMDTQREACgOhAAAMA6EAAA4DoQAAQAQQl0EUA0EEEAAIA/AAAAQAAAQEAZEgIZ' +
    'GBByb3cgMCB0ZXh0IMO8bsOvGRgQcm93IDkgdGV4dCDDvG7DrxUCGRYCKSYCEgAZEgIZGAQAAACAGRgEAAAQQRUCGRYAGSYU' +
    'PBk2AABQABkcFggVxgEWAAAZFqACABkcFs4BFdoBFgAAABUCGVxIDGFycm93X3NjaGVtYRUEABUMJQIYBHRleHQlAEwcAAAA' +
    'NQIYCWVtYmVkZGluZxUDFQZMPAAAADUEGARsaXN0FQIAFQglABgEaXRlbQAWFBkcGSwmABwVDBklAAYZGAR0ZXh0FQIWFBac' +
    'AxbGASYIPDYCKBByb3cgOSB0ZXhkIMO8bsOvGBByb3cgMCB0ZXh0IMO8bsOvEREAGRwVABUAFQIAPBagAikmAhIAABbOBBUe' +
    'FqgDFWYAJgAcFQgZJQAGGTgJZW1iZWRkaW5nBGxpc3QEaXRlbRUCFlAWhgMW2gEmzgE8GAQAABBBGAQAAACAFgAoBAAAEEEY' +
    'BAAAAIAREQAZHBUAFQAVAgA8KSYUPBk2AABQAAAW7AQVGBaOBBVAABaiBhYUJggWoAMUAAAZLBgFbW9kZWwYAW0AGAxBUlJP' +
    'VzpzY2hlbWEY0AIvLy8vLy9RQUFBQVFBQUFBQUFBS0FBd0FDZ0FKQUFRQUNnQUFBQkFBQUFBQUFRUUFDQUFJQUFBQUJBQUlB' +
    'QUFBQkFBQUFBSUFBQUNZQUFBQUJBQUFBSUQvLy84Z0FBQUFEQUFBQUFBQUFSQmdBQUFBQVFBQUFDUUFBQUFBQUFZQUNBQUVB' +
    'QVlBQUFBRUFBQUFFQUFXQUJBQUFBQVBBQVFBQUFBSUFCQUFBQUFZQUFBQUhBQUFBQUFBQUFNWUFBQUFBQUFHQUFnQUJnQUdB' +
    'QUFBQUFBQkFBQUFBQUFFQUFBQWFYUmxiUUFBQUFBSkFBQUFaVzFpWldSa2FXNW5BQUFBRUFBVUFCQUFEZ0FQQUFRQUFBQUlB' +
    'QkFBQUFBWUFBQUFEQUFBQUFBQUFRVVFBQUFBQUFBQUFBUUFCQUFFQUFBQUJBQUFBSFJsZUhRQUFBQUEAGBlwYXJxdWV0LXJz' +
    'IHZlcnNpb24gNTkuMy4wGSwcAAAcAAAAxgIAAFBBUjE=',
      'base64',
    );
    const err = await readParquet(new Uint8Array(bytes), { fileName: 'damaged.parquet' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).name).toBe('ParquetReadError');
    expect((err as Error).message).toContain('damaged.parquet');
  });
});
