import { defineEndpoint } from '../http/endpoint.js';

/** GET /health/live: liveness; answers as long as the process serves requests, whatever its dependencies. */
export default defineEndpoint({
  method: 'GET',
  url: '/health/live',
  auth: { context: 'none' },
  handler: async () => ({ body: { status: 'ok' } }),
});
