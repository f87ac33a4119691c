// The client address the sign-in throttle and the audit log see comes from the connection, not
// from a header the client wrote, unless DVM_TRUST_PROXY says a proxy in front sets it.
import { afterEach, describe, expect, it } from 'vitest';

import {
  type ServerProcess,
  requireProductionBuild,
  signInCookie,
  startServer,
} from '@/lib/testing/server-process';

const ADMIN = { email: 'admin@example.com', password: 'client address admin password' };
const SPOOFED = '203.0.113.9'; // TEST-NET-3: only ever a header value here, never contacted

let server: ServerProcess | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Fails one HTTP Basic token request with a spoofed X-Forwarded-For; returns the audited address. */
async function auditedAddressOfFailure(trustProxy: 'on' | 'off'): Promise<string | undefined> {
  requireProductionBuild();
  server = await startServer({
    name: 'client-address',
    env: {
      DVM_ADMIN_EMAIL: ADMIN.email,
      DVM_ADMIN_PASSWORD: ADMIN.password,
      DVM_TRUST_PROXY: trustProxy,
    },
  });
  const failed = await fetch(`${server.baseUrl}/api/v1/tokens`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${ADMIN.email}:wrong password here`).toString('base64')}`,
      'Content-Type': 'application/json',
      'X-Forwarded-For': SPOOFED,
    },
    body: JSON.stringify({ name: 'cli' }),
  });
  expect(failed.status).toBe(401);

  const cookie = await signInCookie(server.baseUrl, ADMIN.email, ADMIN.password);
  const audit = await fetch(`${server.baseUrl}/api/v1/audit?action=auth.sign_in_failed`, {
    headers: { Cookie: cookie },
  });
  expect(audit.status).toBe(200);
  const { items } = (await audit.json()) as { items: { address?: string }[] };
  expect(items).toHaveLength(1);
  return items[0]!.address;
}

describe('client address', () => {
  it('ignores a client-supplied X-Forwarded-For by default', async () => {
    const address = await auditedAddressOfFailure('off');
    expect(address).not.toBe(SPOOFED);
    expect(address).toMatch(/127\.0\.0\.1/);
  });

  it('believes X-Forwarded-For behind a trusted proxy', async () => {
    expect(await auditedAddressOfFailure('on')).toBe(SPOOFED);
  });
});
