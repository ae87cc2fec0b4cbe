import { readAuthorizationRequest } from '../../../auth/oauth2/authorization-request.js';
import { consentPage, signInPage } from '../../../wire/consent-page.js';
import { answerAuthorizationError, atAuthorizePaths, queryOf, sendPage } from '../../shared/oauth.js';

/**
 * GET /i/oauth2/authorize (and /2/oauth2/authorize): the consent page of the authorization code flow. A
 * browser that is not signed in gets the sign-in form; a signed-in one sees the app and the scopes it asks
 * for, with buttons to approve or deny. Both forms post back to this URL (authorize-submit.ts).
 */
export default atAuthorizePaths({
  uses: { cookies: true },
  method: 'GET',
  auth: { context: 'none' },
  handler: async ({ ctx, request, reply }) => {
    const outcome = await readAuthorizationRequest(ctx.store, queryOf(request));
    if (!outcome.ok) return void answerAuthorizationError(reply, outcome.problem);
    const { sessions } = ctx.oauth2;
    const now = ctx.now();
    const session = sessions.read(request, now) ?? sessions.start(reply, null, now);
    const form = { appName: outcome.request.app.name, action: request.url, csrfToken: sessions.csrfToken(session) };
    const user = session.userId === null ? undefined : await ctx.store.findUserById(session.userId);
    if (!user) return void sendPage(reply, 200, signInPage(form));
    sendPage(reply, 200, consentPage(form, user.username, outcome.request.scopes));
  },
});
