import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from '../secrets.js';

const COOKIE = 'xmedia_oauth_session';

/**
 * The consent page's browser session: a signed cookie holding a random session id, the signed-in user (if
 * any) and an expiry. Stateless, so any instance can read it, signed with a key derived from the master
 * secret. The CSRF token of every form is an HMAC of the session id, so it is bound to this browser's
 * session and useless in another; signing in starts a new session id (no fixation).
 */
export interface ConsentSession {
  readonly id: string;
  readonly userId: string | null;
  readonly expiresAtSec: number;
}

export class ConsentSessions {
  constructor(
    private readonly csrfKey: Buffer,
    private readonly ttlSecs: number,
    private readonly secureCookies: boolean,
  ) {}

  /** The live session of this browser, if it sent a validly signed, unexpired one. */
  read(request: FastifyRequest, nowMs: number): ConsentSession | undefined {
    const header = request.headers.cookie;
    if (header === undefined) return undefined;
    const raw = request.server.parseCookie(header)[COOKIE];
    if (raw === undefined) return undefined;
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || unsigned.value === null) return undefined;
    const [id, userId, expires] = unsigned.value.split('.');
    const expiresAtSec = Number(expires);
    if (!id || userId === undefined || !Number.isSafeInteger(expiresAtSec) || expiresAtSec * 1000 <= nowMs) return undefined;
    return { id, userId: userId === '' ? null : userId, expiresAtSec };
  }

  /** Starts a new session (anonymous, or for a user who just signed in) and sets its cookie. */
  start(reply: FastifyReply, userId: string | null, nowMs: number): ConsentSession {
    const session = { id: randomBytes(16).toString('base64url'), userId, expiresAtSec: Math.floor(nowMs / 1000) + this.ttlSecs };
    reply.setCookie(COOKIE, `${session.id}.${userId ?? ''}.${session.expiresAtSec}`, {
      signed: true,
      httpOnly: true,
      // Lax: the cookie must come along when the user arrives from the client's site by a top-level link.
      sameSite: 'lax',
      secure: this.secureCookies,
      path: '/',
      maxAge: this.ttlSecs,
    });
    return session;
  }

  csrfToken(session: ConsentSession): string {
    return createHmac('sha256', this.csrfKey).update(`csrf:${session.id}`).digest('base64url');
  }

  checkCsrf(session: ConsentSession, token: string | null): boolean {
    return token !== null && safeEqual(this.csrfToken(session), token);
  }
}
