import { describe, it } from 'node:test';
import { RedisEphemeralStore, RedisRateLimitStore } from '../../src/storage/redis.js';
import { connectTestRedis, redisUnavailable } from '../helpers/redis.js';
import { runEphemeralStoreContract } from './ephemeral-store.contract.js';
import { runRateLimitStoreContract } from './rate-limit-store.contract.js';

const unavailable = await redisUnavailable();

if (unavailable) {
  describe('RateLimitStore and EphemeralStore contracts: Redis', () => {
    it('run against a real Redis', { skip: unavailable }, () => {});
  });
} else {
  // Two instances on their own connections, as two xmedia processes sharing one Redis.
  runRateLimitStoreContract('Redis', async () => {
    const redis = await connectTestRedis();
    return { stores: redis.clients.map((client) => new RedisRateLimitStore(client, `${redis.prefix}rl:`)), cleanup: redis.cleanup };
  });
  runEphemeralStoreContract('Redis', async () => {
    const redis = await connectTestRedis();
    return { stores: redis.clients.map((client) => new RedisEphemeralStore(client, `${redis.prefix}eph:`)), cleanup: redis.cleanup };
  });
}
