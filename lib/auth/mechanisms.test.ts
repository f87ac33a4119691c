// The pure mechanisms: the password rule and argon2id hashing, token and ticket secrets, the
// Origin allowlist, the throttle's delays and the live-socket registry.

import { describe, expect, it } from 'vitest';
import { closeSockets, liveSocketCount, registerSocket } from './live-sockets';
import { isAllowedOrigin, normalizeOrigin } from './origin';
import { hashPassword, passwordProblem, verifyPassword } from './password';
import { isSystem, systemPrincipal } from './principal';
import { hashSecret, looksLikeApiToken, newApiToken, newTicket } from './secrets';
import {
  ACCOUNT_POLICY,
  ADDRESS_POLICY,
  delayMs,
  retryAfterSeconds,
  throttledError,
  throttleKeys,
} from './throttle';

describe('passwords', () => {
  it('have one rule: at least 10 characters, not one repeated character', () => {
    expect(passwordProblem('short')).toBe('must be at least 10 characters long');
    expect(passwordProblem('aaaaaaaaaaaa')).toBe('must not repeat a single character');
    expect(passwordProblem('x'.repeat(1025))).toMatch(/at most 1024/);
    expect(passwordProblem('correct horse')).toBeUndefined();
  });

  it('are hashed with argon2id and verified', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(hash).not.toContain('correct horse');
    expect(await verifyPassword(hash, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse batterx')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
  });
});

describe('secrets', () => {
  it('make dvm_ tokens with 256 random bits, a 12-character prefix and a SHA-256', () => {
    const a = newApiToken();
    const b = newApiToken();
    expect(a.secret).toMatch(/^dvm_[A-Za-z0-9_-]{43}$/);
    expect(a.prefix).toBe(a.secret.slice(0, 12));
    expect(a.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.secretHash).toBe(hashSecret(a.secret));
    expect(a.secret).not.toBe(b.secret);
    expect(looksLikeApiToken(a.secret)).toBe(true);
    expect(looksLikeApiToken('dvm_short')).toBe(false);
    expect(looksLikeApiToken(`${a.secret} `)).toBe(false);
    const ticket = newTicket();
    expect(ticket.secretHash).toBe(hashSecret(ticket.secret));
  });
});

describe('origin allowlist', () => {
  const allowed = ['http://localhost:3000', 'https://dvm.example.com'];
  it('matches exact origins, ignoring case and default ports', () => {
    expect(isAllowedOrigin('http://localhost:3000', allowed)).toBe(true);
    expect(isAllowedOrigin('HTTPS://DVM.example.com:443', allowed)).toBe(true);
    expect(isAllowedOrigin('http://localhost:3001', allowed)).toBe(false);
    expect(isAllowedOrigin('https://dvm.example.com.evil.test', allowed)).toBe(false);
    expect(isAllowedOrigin('http://dvm.example.com', allowed)).toBe(false);
  });
  it('refuses a missing, null or unparsable origin', () => {
    expect(isAllowedOrigin(undefined, allowed)).toBe(false);
    expect(isAllowedOrigin('null', allowed)).toBe(false);
    expect(isAllowedOrigin('not a url', allowed)).toBe(false);
    expect(normalizeOrigin('file:///etc/passwd')).toBeUndefined();
  });
});

describe('throttle policy', () => {
  it('lets five failures per account through, then doubles the wait up to 15 minutes', () => {
    expect([4, 5, 6, 7, 10].map((n) => delayMs(n, ACCOUNT_POLICY))).toEqual([
      0, 1000, 2000, 4000, 32_000,
    ]);
    expect(delayMs(40, ACCOUNT_POLICY)).toBe(15 * 60_000);
    expect(delayMs(19, ADDRESS_POLICY)).toBe(0);
    expect(delayMs(20, ADDRESS_POLICY)).toBe(1000);
  });
  it('counts per account (case-insensitively) and per address', () => {
    expect(throttleKeys(' Alice@Example.com ', '192.0.2.1').map((k) => k.key)).toEqual([
      'account:alice@example.com',
      'address:192.0.2.1',
    ]);
    expect(throttleKeys('a@b.c', undefined)).toHaveLength(1);
  });
  it('carries the wait on the error, readable across module copies', () => {
    const error = throttledError(125);
    expect(error).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'Too many failed sign-ins; try again in 3 minutes.',
    });
    expect(retryAfterSeconds(error)).toBe(125);
    expect(retryAfterSeconds(new Error('x'))).toBeUndefined();
    expect(JSON.stringify(error)).not.toContain('125');
  });
});

describe('live sockets', () => {
  it('close what matches every given field, and never everything at once', () => {
    const closed: string[] = [];
    const off = [
      registerSocket({ userId: 'u1', sessionId: 's1' }, () => closed.push('u1/s1')),
      registerSocket({ userId: 'u1', tokenId: 't1' }, () => closed.push('u1/t1')),
      registerSocket({ userId: 'u2', sessionId: 's2' }, () => closed.push('u2/s2')),
    ];
    expect(closeSockets({}, 1000, 'nothing')).toBe(0);
    expect(closeSockets({ userId: 'u1', exceptSessionId: 's1' }, 4401, 'x')).toBe(1);
    expect(closed).toEqual(['u1/t1']);
    expect(closeSockets({ sessionId: 's1' }, 4401, 'x')).toBe(1);
    expect(closeSockets({ sessionId: 's1' }, 4401, 'x')).toBe(0);
    expect(liveSocketCount()).toBe(1);
    off.forEach((unregister) => unregister());
    expect(liveSocketCount()).toBe(0);
  });

  it('keeps one registry per process, shared by every copy of the module', async () => {
    const copy = await import(`./live-sockets?copy=${Date.now()}`);
    const closed: number[] = [];
    const off = copy.registerSocket({ userId: 'shared' }, (code: number) => closed.push(code));
    expect(closeSockets({ userId: 'shared' }, 4401, 'x')).toBe(1);
    expect(closed).toEqual([4401]);
    off();
  });

  it('survives a socket that throws while closing', () => {
    const off = [
      registerSocket({ userId: 'u3' }, () => {
        throw new Error('already gone');
      }),
      registerSocket({ userId: 'u3' }, () => {}),
    ];
    expect(closeSockets({ userId: 'u3' }, 4401, 'x')).toBe(2);
    off.forEach((unregister) => unregister());
  });
});

describe('system principal', () => {
  it('is an admin no one can sign in as', () => {
    expect(isSystem(systemPrincipal)).toBe(true);
    expect(systemPrincipal).toMatchObject({ scope: 'admin', source: 'system' });
    expect(systemPrincipal.user.passwordHash).toBeUndefined();
  });
});
