import { MemoryQueueStore } from './memory-store';
import { queueStoreContract } from './store-contract';

queueStoreContract('MemoryQueueStore', () => new MemoryQueueStore());
