/**
 * Bearer-token check for the TCP listener (docs/local-api.md §"Authentication"). Both sides
 * are hashed to SHA-256 before a constant-time comparison, so neither the token's content nor
 * its length leaks through timing. The token is never logged or echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export interface BearerCheck {
  /** True when the Authorization header carries exactly the configured token. */
  (authorization: string | undefined): boolean;
}

export function bearerCheck(token: string): BearerCheck {
  if (token.length < 32) throw new RangeError(`apiToken: expected at least 32 characters, got ${token.length}`);
  const expected = digest(token);
  return (authorization) => {
    if (typeof authorization !== 'string') return false;
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    // Compare even when the header is malformed so every refusal costs the same.
    const got = digest(m ? m[1]! : '');
    return timingSafeEqual(got, expected) && m !== null;
  };
}
