// The HTTP protocol of docs/http-api.md as constants both sides import: media types, header names and
// route paths. The client (src/client) and the server (src/server) never spell these themselves.

/** Arrow IPC stream: call bodies and call results. */
export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';
/** Every other body (definitions, lists, errors). */
export const JSON_MEDIA = 'application/json';
/** GET /metrics: the Prometheus text exposition format. */
export const METRICS_MEDIA = 'text/plain; version=0.0.4; charset=utf-8';

/** The server's place-in-line token on a 429, sent back on the retry so older waiters go first. */
export const TICKET_HEADER = 'x-queue-ticket';
/** A 429's wait in ms (finer than Retry-After's whole seconds). */
export const RETRY_AFTER_MS_HEADER = 'x-retry-after-ms';
export const RETRY_AFTER_HEADER = 'retry-after';

/** Route paths with their parameters filled in (encoded): what the client requests. */
export const paths = {
  health: '/health',
  metrics: '/metrics',
  functions: '/functions',
  fn: (name: string): string => `/functions/${encodeURIComponent(name)}`,
  calls: (name: string): string => `/functions/${encodeURIComponent(name)}/calls`,
  call: (id: string): string => `/calls/${encodeURIComponent(id)}`,
} as const;

/** The same routes as patterns: what the server registers. */
export const routes = {
  health: '/health',
  metrics: '/metrics',
  functions: '/functions',
  fn: '/functions/:name',
  calls: '/functions/:name/calls',
  call: '/calls/:id',
} as const;
