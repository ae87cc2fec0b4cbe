import { defineEndpoint } from '../http/endpoint.js';
import { PROBLEMS, ProblemError } from '../wire/problems.js';

/** GET /health: 200 when the database answers, 503 otherwise. For load balancers and orchestrators. */
export default defineEndpoint({
  method: 'GET',
  url: '/health',
  auth: { context: 'none' },
  handler: async ({ ctx, request }) => {
    try {
      await ctx.store.ping();
    } catch (error) {
      request.log.warn({ err: error }, 'health check: database unreachable');
      throw new ProblemError(PROBLEMS.SERVICE_UNAVAILABLE, 'The database is not reachable.');
    }
    return { body: { status: 'ok', database: ctx.store.backend } };
  },
});
