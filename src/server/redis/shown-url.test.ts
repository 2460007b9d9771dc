import { describe, expect, test } from 'vitest';
import { shownUrl, shownUrlWithoutPrefix } from './shown-url';

describe('shownUrl: a store URL as banners and errors show it', () => {
  // The password is cut from one-Redis and Redis Cluster URLs; everything else stays.
  test.each([
    ['redis://:secret@127.0.0.1:6379/2', 'redis://:***@127.0.0.1:6379/2'],
    ['redis-cluster://user:secret@10.0.0.1:7000,10.0.0.2:7000?prefix=a:', 'redis-cluster://user:***@10.0.0.1:7000,10.0.0.2:7000?prefix=a:'],
    ['redis-cluster://:secret@h:1', 'redis-cluster://:***@h:1'],
    ['redis-cluster://h:1,h:2', 'redis-cluster://h:1,h:2'],
    ['not a url', '"not a url"'],
  ])('%s is shown as %s', (url, shown) => {
    expect(shownUrl(url)).toBe(shown);
  });

  // The banner form drops ?prefix= (shown on its own) and keeps other parameters.
  test.each([
    ['redis://127.0.0.1:6379?prefix=x:', 'redis://127.0.0.1:6379'],
    ['redis://:pw@h:1/0?prefix=x&a=1', 'redis://:***@h:1/0?a=1'],
    ['redis-cluster://h:1,h:2?prefix=x:', 'redis-cluster://h:1,h:2'],
  ])('banner form of %s is %s', (url, shown) => {
    expect(shownUrlWithoutPrefix(url)).toBe(shown);
  });
});
