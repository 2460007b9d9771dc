import { registryStoreContract } from './registry-store-contract';
import { MemoryRegistryStore } from './memory-registry-store';

registryStoreContract('MemoryRegistryStore', () => new MemoryRegistryStore());
