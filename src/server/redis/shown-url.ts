// A Redis URL as it may be shown (banners, errors): without its password. No ioredis import, so the
// in-memory default never loads it.

/** Strips a password from a URL before it goes into a message. */
export function shownUrl(url: string): string {
  // redis-cluster://host:port,host:port… is no WHATWG URL (several hosts): its password is cut by hand.
  if (/^redis-cluster:\/\//i.test(url)) return url.replace(/^(redis-cluster:\/\/[^:@/?#]*):[^@/?#]*@/i, '$1:***@');
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return JSON.stringify(url);
  }
}

/** The same, without the `prefix` parameter (the banner shows the prefix on its own). */
export function shownUrlWithoutPrefix(url: string): string {
  return shownUrl(url).replace(/([?&])prefix=[^&]*&?/, '$1').replace(/[?&]$/, '');
}
