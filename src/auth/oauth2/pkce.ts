import { createHash } from 'node:crypto';
import { safeEqual } from '../secrets.js';

/** RFC 7636 §4.1: a verifier (and a plain challenge) is 43-128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export type ChallengeMethod = 'S256' | 'plain';

/** The method as the client spelled it (twitter-api-v2 sends `s256`); absent means plain (RFC 7636 §4.3). */
export function parseChallengeMethod(raw: string | undefined): ChallengeMethod | undefined {
  if (raw === undefined) return 'plain';
  const lower = raw.toLowerCase();
  return lower === 's256' ? 'S256' : lower === 'plain' ? 'plain' : undefined;
}

export function isValidChallenge(challenge: string, method: ChallengeMethod): boolean {
  return method === 'S256' ? /^[A-Za-z0-9\-_]{43}$/.test(challenge) : VERIFIER.test(challenge);
}

export function isValidVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier);
}

/** RFC 7636 §4.6, compared in constant time. */
export function verifierMatches(verifier: string, challenge: string, method: ChallengeMethod): boolean {
  const derived = method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
  return safeEqual(derived, challenge);
}
