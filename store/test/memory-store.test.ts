import { MemoryStore } from '../index';
import { describeStoreContract } from './contract/index';

// The in-memory backend is written only from the backend interface: passing the same suite as LevelDB shows the
// interface is enough for a second backend.
describeStoreContract('MemoryStore', async (options) => ({ store: new MemoryStore(options), cleanup: async () => {} }));
