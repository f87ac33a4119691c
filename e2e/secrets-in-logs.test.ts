// Secrets stay secret: passwords, API token secrets, socket tickets, the session key and the
// session cookie never appear in the server's log (stdout and stderr) nor in any response — except
// the single response that hands a new token, ticket or session cookie to its owner.
//
// Runs the production server with its output captured and exercises every path that touches a
// secret: browser sign-in through next-auth (wrong password, then the right one), API token
// creation with HTTP Basic and with a Bearer token, use of a token, a wrong Basic password, user
// creation with an initial password, malformed bodies that carry a password, ticket minting and a
// socket opened with the ticket, the audit log, and sign-out.

import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServer } from '@/lib/testing/server-process';

const ADMIN_EMAIL = 'keeper@secrets.test';
const ADMIN_PASSWORD = 'Admin-pw-that-must-never-leak-41';
const WRONG_PASSWORD = 'Wrong-pw-that-must-never-leak-77';
const USER_PASSWORD = 'Initial-pw-that-must-never-leak-93';
const SESSION_SECRET = 'Session-key-that-must-never-leak-0123456789';

interface Exchange {
  label: string;
  /** Status line, headers and body, as one text to search. */
  text: string;
  /** Secrets this response exists to hand out (by name in `secrets`). */
  allowed: string[];
}

let server: ServerProcess | undefined;
const exchanges: Exchange[] = [];
/** Every secret seen in the run, by name. */
const secrets = new Map<string, string>([
  ['the admin password', ADMIN_PASSWORD],
  ['a wrong password', WRONG_PASSWORD],
  ["a new user's initial password", USER_PASSWORD],
  ['the session key (NEXTAUTH_SECRET)', SESSION_SECRET],
]);

function basic(email: string, password: string): string {
  return `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
}

/** A request whose whole answer is recorded for the final search. */
async function call(
  label: string,
  path: string,
  init: RequestInit & { allowed?: string[] } = {},
): Promise<Response> {
  const { allowed = [], ...request } = init;
  const response = await fetch(`${server!.baseUrl}${path}`, { redirect: 'manual', ...request });
  const body = await response.text();
  const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n');
  exchanges.push({ label, text: `${response.status}\n${headers}\n\n${body}`, allowed });
  return new Response(response.status === 204 ? null : body, {
    status: response.status,
    headers: response.headers,
  });
}

function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/** A WebSocket upgrade; records the refusal like any other answer. */
async function upgrade(label: string, pathAndQuery: string, headers: Record<string, string>) {
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = http.request(`${server!.baseUrl}${pathAndQuery}`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': Buffer.from('secrets-check-01').toString('base64'),
        ...headers,
      },
    });
    request.on('response', (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        const head = Object.entries(response.headers)
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join('\n');
        resolve({
          status: response.statusCode ?? 0,
          text: `${response.statusCode}\n${head}\n\n${body}`,
        });
      });
    });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 101, text: '101' });
    });
    request.on('error', reject);
    request.end();
  });
  exchanges.push({ label, text: answer.text, allowed: [] });
  return answer.status;
}

beforeAll(async () => {
  server = await startServer({
    name: 'secrets',
    env: {
      DVM_ADMIN_EMAIL: ADMIN_EMAIL,
      DVM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      NEXTAUTH_SECRET: SESSION_SECRET,
    },
  });

  // --- Browser sign-in through next-auth: a wrong password, then the right one.
  const csrf = await call('GET /api/auth/csrf', '/api/auth/csrf');
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookie = csrf.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const signIn = (password: string, label: string, allowed: string[] = []) =>
    call(label, '/api/auth/callback/credentials', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: csrfCookie },
      body: new URLSearchParams({
        csrfToken,
        email: ADMIN_EMAIL,
        password,
        callbackUrl: `${server!.baseUrl}/`,
      }),
      allowed,
    });
  const wrong = await signIn(WRONG_PASSWORD, 'sign-in with a wrong password');
  expect(wrong.headers.getSetCookie().some((c) => c.includes('session-token'))).toBe(false);
  const right = await signIn(ADMIN_PASSWORD, 'sign-in (hands out the session cookie)', [
    'the session cookie',
  ]);
  const sessionCookies = right.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .filter((c) => /next-auth\.session-token/.test(c));
  expect(sessionCookies.length, 'the sign-in set no session cookie').toBeGreaterThan(0);
  const cookie = sessionCookies.join('; ');
  secrets.set(
    'the session cookie',
    sessionCookies.map((c) => c.slice(c.indexOf('=') + 1)).join(''),
  );
  const browser = { Cookie: cookie, Origin: server.baseUrl };
  await call('GET / signed in', '/', { headers: browser });
  await call('GET /api/auth/session', '/api/auth/session', { headers: browser });
  await call('GET /api/v1/me with the session', '/api/v1/me', { headers: browser });

  // --- API tokens: HTTP Basic (and a wrong Basic password), then a Bearer token.
  await call('POST /api/v1/tokens, Basic, wrong password', '/api/v1/tokens', {
    ...json({ name: 'nope' }, { Authorization: basic(ADMIN_EMAIL, WRONG_PASSWORD) }),
  });
  const viaBasic = await call('POST /api/v1/tokens, Basic (hands out a token)', '/api/v1/tokens', {
    ...json({ name: 'cli', scope: 'admin' }, { Authorization: basic(ADMIN_EMAIL, ADMIN_PASSWORD) }),
    allowed: ['the token made with Basic'],
  });
  expect(viaBasic.status).toBe(201);
  const basicToken = ((await viaBasic.json()) as { secret: string }).secret;
  secrets.set('the token made with Basic', basicToken);

  const viaBearer = await call(
    'POST /api/v1/tokens, Bearer (hands out a token)',
    '/api/v1/tokens',
    {
      ...json({ name: 'ci', scope: 'write' }, { Authorization: `Bearer ${basicToken}` }),
      allowed: ['the token made with a token'],
    },
  );
  expect(viaBearer.status).toBe(201);
  const bearerToken = ((await viaBearer.json()) as { secret: string }).secret;
  secrets.set('the token made with a token', bearerToken);
  const auth = { Authorization: `Bearer ${bearerToken}` };
  const admin = { Authorization: `Bearer ${basicToken}` };

  // --- Using tokens, including ways to get them wrong.
  await call('GET /api/v1/me with a token', '/api/v1/me', { headers: auth });
  await call('GET /api/v1/tokens', '/api/v1/tokens', { headers: auth });
  await call('GET /api/v1/me with a mangled token', '/api/v1/me', {
    headers: { Authorization: `Bearer ${bearerToken.slice(0, -2)}xx` },
  });
  await call('GET /api/v1/me with a password as the token', '/api/v1/me', {
    headers: { Authorization: `Bearer ${ADMIN_PASSWORD}` },
  });
  const created = await call('POST /api/v1/users with an initial password', '/api/v1/users', {
    ...json({ email: 'new@secrets.test', password: USER_PASSWORD }, admin),
  });
  expect(created.status).toBe(201);
  await call('POST /api/v1/users with a bad field beside a password', '/api/v1/users', {
    ...json({ email: 'bad@secrets.test', password: USER_PASSWORD, role: 'x' }, admin),
  });
  await call('broken JSON holding a password', '/api/v1/users', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...admin },
    body: `{"email":"x@secrets.test","password":"${USER_PASSWORD}"`,
  });
  await call('a form body holding a password', '/api/v1/users', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...admin },
    body: `email=x%40secrets.test&password=${encodeURIComponent(USER_PASSWORD)}`,
  });
  await call('Basic for the new user (must change the password first)', '/api/v1/tokens', {
    ...json({ name: 'x' }, { Authorization: basic('new@secrets.test', USER_PASSWORD) }),
  });

  // --- A socket ticket, used once and then again.
  const minted = await call('POST /api/v1/tickets (hands out a ticket)', '/api/v1/tickets', {
    ...json({ purpose: 'terminal:abc' }, auth),
    allowed: ['the socket ticket'],
  });
  expect(minted.status).toBe(201);
  const ticket = ((await minted.json()) as { ticket: string }).ticket;
  secrets.set('the socket ticket', ticket);
  // Accepted (101), then closed: there is no session `abc` (e2e/terminals.test.ts has real ones).
  expect(await upgrade('socket with the ticket', `/ws/terminals/abc?ticket=${ticket}`, {})).toBe(
    101,
  );
  expect(
    await upgrade('socket with the ticket again', `/ws/terminals/abc?ticket=${ticket}`, {}),
  ).toBe(401);
  await upgrade('socket with the session', '/ws/terminals/abc', browser);
  await upgrade('socket with a token', '/ws/terminals/abc', auth);

  // --- What the audit log shows about all this.
  await call('GET /api/v1/audit', '/api/v1/audit?limit=200', { headers: admin });

  // --- Sign out.
  await call('POST /api/auth/signout', '/api/auth/signout', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Cookie: `${csrfCookie}; ${cookie}`,
    },
    body: new URLSearchParams({ csrfToken, callbackUrl: `${server.baseUrl}/` }),
  });
  await call('GET /api/v1/me after sign-out', '/api/v1/me', { headers: browser });
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('secrets in logs and responses', () => {
  it('the run touched every secret and the server wrote a log', () => {
    expect([...secrets.keys()]).toEqual(
      expect.arrayContaining([
        'the session cookie',
        'the token made with Basic',
        'the token made with a token',
        'the socket ticket',
      ]),
    );
    expect(server!.output()).toContain('"msg":"listening"');
  });

  it('the server log holds none of them', async () => {
    // Stop first, so everything the server buffered is flushed into the captured output.
    await server!.stop();
    const log = server!.output();
    const found = [...secrets].filter(([, value]) => log.includes(value)).map(([name]) => name);
    expect(found, `the server log contains: ${found.join(', ')}`).toEqual([]);
  });

  it('no response holds a secret, except the one that hands it out', () => {
    const leaks: string[] = [];
    for (const exchange of exchanges) {
      for (const [name, value] of secrets) {
        if (exchange.allowed.includes(name)) continue;
        if (exchange.text.includes(value)) leaks.push(`${exchange.label}: ${name}`);
      }
    }
    expect(leaks, `responses leaking secrets:\n${leaks.join('\n')}`).toEqual([]);
  });

  it('the search works: each handing-out response does hold its secret', () => {
    for (const exchange of exchanges) {
      for (const name of exchange.allowed) {
        expect(exchange.text.includes(secrets.get(name)!), `${exchange.label}: ${name}`).toBe(true);
      }
    }
  });

  it('the handing-out responses say no-store', () => {
    for (const exchange of exchanges.filter((e) => e.allowed.length > 0)) {
      if (exchange.allowed.includes('the session cookie')) continue; // a redirect with Set-Cookie
      expect(exchange.text, exchange.label).toMatch(/cache-control: no-store/i);
    }
  });
});
