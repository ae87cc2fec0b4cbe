import type { Store } from '../storage/store.js';
import { PROBLEMS, ProblemError } from '../wire/problems.js';
import type { AuthRequirement, Principal } from './principal.js';
import { sha256Hex } from './secrets.js';

/**
 * Turns an Authorization header into a Principal, or throws X's 401. Bearer tokens are looked up by their
 * SHA-256; expired and revoked tokens are indistinguishable from unknown ones.
 */
export class Authenticator {
  constructor(private readonly store: Store) {}

  async authenticate(header: string | undefined, nowMs: number): Promise<Principal> {
    if (header === undefined) throw new ProblemError(PROBLEMS.UNAUTHORIZED);
    const space = header.indexOf(' ');
    const scheme = space === -1 ? header : header.slice(0, space);
    if (scheme.toLowerCase() !== 'bearer') throw new ProblemError(PROBLEMS.UNAUTHORIZED);
    const token = header.slice(space + 1).trim();
    if (token === '' || token.length > 512) throw new ProblemError(PROBLEMS.UNAUTHORIZED);
    const record = await this.store.findToken(sha256Hex(token));
    if (!record || record.revokedAtMs !== null || (record.expiresAtMs !== null && record.expiresAtMs <= nowMs)) {
      throw new ProblemError(PROBLEMS.UNAUTHORIZED);
    }
    if (record.kind === 'app' || record.userId === null) return { kind: 'app', appId: record.appId };
    return { kind: 'user', userId: record.userId, appId: record.appId, scopes: new Set(record.scopes) };
  }
}

/** X's order: who you are (401) is settled before what you may do (403). */
export function authorize(principal: Principal, requirement: AuthRequirement): void {
  if (requirement.context === 'none') return;
  if (principal.kind === 'app') throw new ProblemError(PROBLEMS.UNSUPPORTED_AUTHENTICATION);
  if (!principal.scopes.has(requirement.scope)) throw new ProblemError(PROBLEMS.FORBIDDEN);
}
