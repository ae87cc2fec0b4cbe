/**
 * The consent pages of `/i/oauth2/authorize`: plain server-rendered HTML, readable without styles or
 * scripts, one heading per page, labelled fields, real buttons (keyboard and screen-reader usable), errors
 * announced (role=alert) and tied to the fields they concern.
 */

/** What each scope lets the app do, in the words shown to the user. */
const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'tweet.read': 'Read posts and media you can see',
  'tweet.write': 'Post and delete posts for you',
  'users.read': 'See your account information',
  'media.write': 'Upload media and change its metadata for you',
  'offline.access': 'Stay connected until you revoke access (refresh tokens)',
  'like.read': 'See posts you liked',
  'like.write': 'Like and unlike posts for you',
  'follows.read': 'See who you follow and who follows you',
  'follows.write': 'Follow and unfollow accounts for you',
  'bookmark.read': 'See your bookmarks',
  'bookmark.write': 'Bookmark and remove bookmarks for you',
  'dm.read': 'Read your direct messages',
  'dm.write': 'Send direct messages for you',
  'list.read': 'See your lists',
  'list.write': 'Create and manage lists for you',
};

/** Headers of every page: never cached, never framed (clickjacking), no referrer leaking the request. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; color: #0f1419; background: #f7f9f9; margin: 0; }
  main { max-width: 28rem; margin: 3rem auto; padding: 2rem; background: #fff; border: 1px solid #cfd9de; border-radius: 12px; }
  h1 { font-size: 1.5rem; margin-top: 0; }
  h2 { font-size: 1.1rem; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  input { display: block; width: 100%; box-sizing: border-box; font: inherit; padding: .5rem; margin-top: .25rem;
          border: 1px solid #536471; border-radius: 4px; }
  .actions { display: flex; gap: .75rem; margin-top: 1.5rem; flex-wrap: wrap; }
  button { font: inherit; font-weight: 600; padding: .5rem 1.25rem; border-radius: 999px; border: 2px solid #0f1419; cursor: pointer; }
  button.primary { background: #0f1419; color: #fff; }
  button.secondary { background: #fff; color: #0f1419; }
  button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid #1d9bf0; outline-offset: 2px; }
  .error { color: #b00020; font-weight: 600; }
  .muted { color: #536471; }`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – xmedia</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface FormContext {
  readonly appName: string;
  /** Where the form posts: the authorize URL with the client's query string. */
  readonly action: string;
  readonly csrfToken: string;
}

export function signInPage(form: FormContext, options: { error?: string; username?: string } = {}): string {
  const error = options.error
    ? `<p id="sign-in-error" class="error" role="alert">${escapeHtml(options.error)}</p>`
    : '';
  const describedBy = options.error ? ' aria-describedby="sign-in-error" aria-invalid="true"' : '';
  return page(
    'Sign in',
    `<h1>Sign in to authorize ${escapeHtml(form.appName)}</h1>
<p class="muted">${escapeHtml(form.appName)} wants to access your xmedia account. Sign in first.</p>
${error}
<form method="post" action="${escapeHtml(form.action)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(form.csrfToken)}">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required value="${escapeHtml(options.username ?? '')}"${describedBy}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${describedBy}>
<div class="actions">
<button class="primary" type="submit" name="action" value="sign_in">Sign in</button>
</div>
</form>`,
  );
}

export function consentPage(form: FormContext, username: string, scopes: readonly string[]): string {
  const items = scopes
    .map((scope) => `<li><strong>${escapeHtml(scope)}</strong>: ${escapeHtml(SCOPE_DESCRIPTIONS[scope] ?? scope)}</li>`)
    .join('\n');
  return page(
    `Authorize ${form.appName}`,
    `<h1>Authorize ${escapeHtml(form.appName)} to access your account?</h1>
<p>Signed in as <strong>@${escapeHtml(username)}</strong>.</p>
<h2 id="scopes-heading">${escapeHtml(form.appName)} will be able to:</h2>
<ul aria-labelledby="scopes-heading">
${items}
</ul>
<form method="post" action="${escapeHtml(form.action)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(form.csrfToken)}">
<div class="actions">
<button class="primary" type="submit" name="action" value="approve">Authorize app</button>
<button class="secondary" type="submit" name="action" value="deny">Cancel</button>
<button class="secondary" type="submit" name="action" value="sign_out">Use another account</button>
</div>
</form>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert">${escapeHtml(message)}</p>`);
}
