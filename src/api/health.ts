import { defineEndpoint } from '../http/endpoint.js';
import { PROBLEMS, ProblemError } from '../wire/problems.js';

/**
 * GET /health: readiness, for load balancers and orchestrators. 200 when the database answers and, when
 * configured, Redis does; 503 naming what does not. (GET /health/live answers whenever the process runs.)
 */
export default defineEndpoint({
  method: 'GET',
  url: '/health',
  auth: { context: 'none' },
  handler: async ({ ctx, request }) => {
    const [database, redis] = await Promise.allSettled([ctx.store.ping(), ctx.redis?.ping()]);
    const down = [database.status === 'rejected' && 'the database', redis.status === 'rejected' && 'Redis'].filter(Boolean);
    if (down.length > 0) {
      request.log.warn({ database, redis }, 'health check failed');
      throw new ProblemError(PROBLEMS.SERVICE_UNAVAILABLE, `Not reachable: ${down.join(' and ')}.`);
    }
    return { body: { status: 'ok', database: ctx.store.backend, redis: ctx.redis ? 'ok' : 'off' } };
  },
});
