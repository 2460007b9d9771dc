// The EmbedFunction contract on the remote function: a real server with the in-memory queue store
// (the default of `embedbook serve`), and the same server on a real redis-server queue store.
import { afterAll } from 'vitest';
import { RedisTestKeys, redisUrlForTests } from '../server/test-fixtures/redis-test-keys';
import { embedFunctionContract } from './embed-function-contract';
import { remoteSubject } from './test-fixtures/remote-subject';

embedFunctionContract('RemoteFunction (real server, tiny model)', () => remoteSubject());

const REDIS_URL = redisUrlForTests('the remote contract on a Redis queue store');
const keys = new RedisTestKeys(REDIS_URL);
afterAll(() => keys.cleanUp());
if (REDIS_URL) {
  embedFunctionContract('RemoteFunction (real server on a Redis queue store, tiny model)', async () =>
    remoteSubject({ store: await keys.openStore(keys.newPrefix()) }),
  );
}
