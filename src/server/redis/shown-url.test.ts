import { describe, expect, test } from 'vitest';
import { shownUrl, shownUrlWithoutPrefix } from './shown-url';

describe('shownUrl: a store URL as banners and errors show it', () => {
  test('the password is cut from one-Redis and Redis Cluster URLs; everything else stays', () => {
    expect(shownUrl('redis://:secret@127.0.0.1:6379/2')).toBe('redis://:***@127.0.0.1:6379/2');
    expect(shownUrl('redis-cluster://user:secret@10.0.0.1:7000,10.0.0.2:7000?prefix=a:')).toBe('redis-cluster://user:***@10.0.0.1:7000,10.0.0.2:7000?prefix=a:');
    expect(shownUrl('redis-cluster://:secret@h:1')).toBe('redis-cluster://:***@h:1');
    expect(shownUrl('redis-cluster://h:1,h:2')).toBe('redis-cluster://h:1,h:2');
    expect(shownUrl('not a url')).toBe('"not a url"');
  });

  test('the banner form drops ?prefix= (shown on its own) and keeps other parameters', () => {
    expect(shownUrlWithoutPrefix('redis://127.0.0.1:6379?prefix=x:')).toBe('redis://127.0.0.1:6379');
    expect(shownUrlWithoutPrefix('redis://:pw@h:1/0?prefix=x&a=1')).toBe('redis://:***@h:1/0?a=1');
    expect(shownUrlWithoutPrefix('redis-cluster://h:1,h:2?prefix=x:')).toBe('redis-cluster://h:1,h:2');
  });
});
