import type { FastifyRequest } from 'fastify';
import { readAuthorizationRequest, redirectWith } from '../../../auth/oauth2/authorization-request.js';
import { verifyPassword } from '../../../auth/passwords.js';
import { errorPage, signInPage } from '../../../wire/consent-page.js';
import { answerAuthorizationError, atAuthorizePaths, queryOf, seeOther, sendPage } from '../../shared/oauth.js';

const FORM_BODY_LIMIT = 16 * 1024;
const SIGN_IN_WINDOW_SECS = 900;

function formOf(request: FastifyRequest): URLSearchParams | undefined {
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(request.headers['content-type'] ?? '')) return undefined;
  return new URLSearchParams(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
}

/**
 * POST /i/oauth2/authorize (and /2/oauth2/authorize): the consent page's forms. `action` is sign_in,
 * sign_out, approve or deny; every form carries the CSRF token of this browser's session. Approving sends
 * the browser to the client's redirect URI with `code` and `state`; denying, with `error=access_denied`.
 */
export default atAuthorizePaths({
  uses: { cookies: true },
  method: 'POST',
  auth: { context: 'none' },
  bodyLimit: FORM_BODY_LIMIT,
  handler: async ({ ctx, request, reply }) => {
    const outcome = await readAuthorizationRequest(ctx.store, queryOf(request));
    if (!outcome.ok) return void answerAuthorizationError(reply, outcome.problem);
    const authorization = outcome.request;
    const form = formOf(request);
    if (!form) return void sendPage(reply, 400, errorPage('Something went wrong', 'This form was not sent as a form.'));
    const { sessions } = ctx.oauth2;
    const now = ctx.now();
    const session = sessions.read(request, now);
    if (!session || !sessions.checkCsrf(session, form.get('csrf_token'))) {
      // An expired session or a cross-site post: start afresh rather than act on it.
      const fresh = sessions.start(reply, null, now);
      const page = { appName: authorization.app.name, action: request.url, csrfToken: sessions.csrfToken(fresh) };
      return void sendPage(reply, 403, signInPage(page, { error: 'This page expired. Please sign in again.' }));
    }

    switch (form.get('action')) {
      case 'sign_in': {
        const username = (form.get('username') ?? '').trim();
        const password = form.get('password') ?? '';
        const page = { appName: authorization.app.name, action: request.url, csrfToken: sessions.csrfToken(session) };
        const limit = ctx.config.oauth.signInFailuresPerWindow;
        const rules = [
          { key: `sign-in:user:${username.toLowerCase()}`, limit, windowSecs: SIGN_IN_WINDOW_SECS },
          { key: `sign-in:ip:${request.ip}`, limit: limit * 10, windowSecs: SIGN_IN_WINDOW_SECS },
        ];
        if (await ctx.throttle.isBlocked(rules, now)) {
          return void sendPage(reply, 429, signInPage(page, { username, error: 'Too many failed sign-ins. Try again in 15 minutes.' }));
        }
        const user = username === '' ? undefined : await ctx.store.findUserByName(username);
        if (!(await verifyPassword(password, user?.passwordHash ?? null)) || !user) {
          await ctx.throttle.recordFailure(rules, now);
          return void sendPage(reply, 401, signInPage(page, { username, error: 'Wrong username or password.' }));
        }
        sessions.start(reply, user.id, now);
        return void seeOther(reply, request.url);
      }
      case 'sign_out':
        sessions.start(reply, null, now);
        return void seeOther(reply, request.url);
      case 'approve': {
        const user = session.userId === null ? undefined : await ctx.store.findUserById(session.userId);
        if (!user) return void seeOther(reply, request.url);
        const code = await ctx.oauth2.grants.issueCode(authorization, user.id);
        return void seeOther(reply, redirectWith(authorization.redirectUri, { state: authorization.state, code }));
      }
      case 'deny':
        return void seeOther(
          reply,
          redirectWith(authorization.redirectUri, { error: 'access_denied', state: authorization.state }),
        );
      default:
        return void sendPage(reply, 400, errorPage('Something went wrong', 'This form asked for nothing we know.'));
    }
  },
});
