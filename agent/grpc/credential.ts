// The host credential on the agent's side: it keeps only the credential's SHA-256 and checks the
// `authorization: Bearer <secret>` of every call (Agent and Terminals alike) against it.
import { createHash, timingSafeEqual } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { invalid } from '../../lib/errors';

/** The hex SHA-256 an agent is configured with for a credential. */
export function hashCredential(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * `authorization: Bearer <secret>` checked in constant time against the hex SHA-256 the agent is
 * configured with (the agent never holds the secret).
 */
export function bearerCredentialCheck(
  credentialHash: string,
): (metadata: grpc.Metadata) => boolean {
  if (!/^[0-9a-f]{64}$/i.test(credentialHash)) {
    throw invalid('The agent credential hash must be a hex SHA-256 (64 hex digits).', [
      { path: 'credentialHash', message: 'Expected 64 hex digits.' },
    ]);
  }
  const expected = Buffer.from(credentialHash, 'hex');
  return (metadata) => {
    const [value] = metadata.get('authorization');
    const match = typeof value === 'string' ? /^Bearer (\S+)$/.exec(value) : null;
    // Hash whatever was presented so the comparison is always 32 bytes against 32 bytes.
    const presented = createHash('sha256')
      .update(match?.[1] ?? '', 'utf8')
      .digest();
    return timingSafeEqual(presented, expected) && match !== null;
  };
}
