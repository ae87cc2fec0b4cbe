/** Who is calling, once the Authorization header has been checked. */
export type Principal = UserPrincipal | AppPrincipal;

export interface UserPrincipal {
  readonly kind: 'user';
  readonly userId: string;
  readonly appId: string;
  readonly scopes: ReadonlySet<string>;
}

export interface AppPrincipal {
  readonly kind: 'app';
  readonly appId: string;
}

/** What an endpoint demands of its caller. */
export type AuthRequirement =
  /** User context (OAuth 2.0 user token or OAuth 1.0a) holding `scope`; app-only tokens get X's 403. */
  | { readonly context: 'user'; readonly scope: string }
  | { readonly context: 'none' };

/** X's OAuth 2.0 scopes (the subset that matters to media, plus what clients commonly ask for). */
export const KNOWN_SCOPES = [
  'tweet.read',
  'tweet.write',
  'users.read',
  'media.write',
  'offline.access',
  'like.read',
  'like.write',
  'follows.read',
  'follows.write',
  'bookmark.read',
  'bookmark.write',
  'dm.read',
  'dm.write',
  'list.read',
  'list.write',
] as const;

export const DEFAULT_USER_SCOPES = ['tweet.read', 'users.read', 'media.write', 'offline.access'] as const;
