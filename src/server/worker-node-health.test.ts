// A worker node's optional health port (`embedbook worker --health-port`), on a real redis-server:
// GET /health and GET /metrics with the protocol's routes and media types, 404 for anything else.
import { afterAll, describe, expect, test } from 'vitest';
import { JSON_MEDIA, METRICS_MEDIA, routes } from '../protocol/http';
import { RedisTestKeys, redisUrlForTests } from './test-fixtures/redis-test-keys';
import { startWorkerNode, type WorkerNode } from './worker-node';

const REDIS_URL = redisUrlForTests('the worker node health-port tests');
const keys = new RedisTestKeys(REDIS_URL);
let node: WorkerNode | undefined;

afterAll(async () => {
  await node?.close();
  await keys.cleanUp();
});

describe.skipIf(!REDIS_URL)('worker node health port', () => {
  test('answers GET /health and GET /metrics, and 404 with a named error for any other path', async () => {
    const store = await keys.openStore(keys.newPrefix());
    node = await startWorkerNode({ store, registry: keys.registryOf(store), workers: 1, threadsPerWorker: 1, healthPort: 0, shutdownGraceMs: 200 });
    const base = node.healthUrl as string;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await fetch(base + routes.health);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toBe(JSON_MEDIA);
    expect(await health.json()).toMatchObject({ ok: true, role: 'worker', store: { ok: true }, functions: 0 });

    const metrics = await fetch(base + routes.metrics);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe(METRICS_MEDIA);
    expect(await metrics.text()).toMatch(/^# (HELP|TYPE) /m);

    const other = await fetch(`${base}/functions`);
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toBe(JSON_MEDIA);
    expect((await other.json()).error.name).toBe('RouteNotFoundError');
  });
});
