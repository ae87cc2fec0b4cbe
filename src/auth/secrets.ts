import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh random secret (tokens, client secrets), URL-safe. */
export function generateSecret(bytes = 32): string {
  // Never a leading '-': command lines (the xmedia CLI's among them) take such a value for an option, so a
  // client id or token drawn that way (1 in 64) could not be passed as `--app <id>`. Costs 0.02 bits.
  for (;;) {
    const secret = randomBytes(bytes).toString('base64url');
    if (!secret.startsWith('-')) return secret;
  }
}

/** What is stored instead of a bearer token or client secret. */
export function sha256Hex(value: string): string {
  // The one-shot hash: on every bearer request, and a third of createHash's cost.
  return hash('sha256', value, 'hex');
}

/** Constant-time string comparison for secrets and hashes. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
