import { MemoryRateLimitStore } from '../../src/ratelimit/limiter.js';
import { MemoryEphemeralStore } from '../../src/storage/ephemeral.js';
import { runEphemeralStoreContract } from './ephemeral-store.contract.js';
import { runRateLimitStoreContract } from './rate-limit-store.contract.js';

// The embedded defaults: one process is the whole deployment, so one instance is all that shares the state.
runRateLimitStoreContract('memory', async () => ({ stores: [new MemoryRateLimitStore()], async cleanup() {} }));
runEphemeralStoreContract('memory', async () => ({ stores: [new MemoryEphemeralStore()], async cleanup() {} }));
