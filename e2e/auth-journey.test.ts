// Identity and access end to end: the real production server (server.ts on a `next build`) on a
// fresh SQLite data directory, driven in Debian's Chromium. First-run setup, sign-out and sign-in,
// the wrong-password and throttle messages, an administrator creating a viewer and adding them to
// an ecosystem, the viewer's forced password change and read-only pages, API tokens, the server
// refusing the administrator's server actions replayed with the viewer's cookie, and a disabled
// account.
//
// NEXTAUTH_URL is deliberately unset: next-auth must redirect to the address the browser used.
// Every page fails the test on a console error, an uncaught exception, a failed request or an
// HTTP error status. Screenshots of each page go to test-results/auth-journey/.
//
// Needs a prior `next build` and Chromium (DVM_CHROMIUM, exported by scripts/with-test-env.sh):
//   DVM_TEST_SERVICES=chromium bash scripts/with-test-env.sh npx vitest run e2e/auth-journey.test.ts

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataStore } from '@/lib/store/data-store';
import { openDataStore } from '@/lib/store/open-data-store';
import { watchPageProblems } from '@/lib/testing/page-problems';
import { PROJECT_ROOT, type ServerProcess, startServer } from '@/lib/testing/server-process';
import { launchChromium } from '@/lib/testing/test-env';

const SHOTS = path.join(PROJECT_ROOT, 'test-results', 'auth-journey');

const ADMIN = { email: 'ada@example.com', name: 'Ada Admin', password: 'correct horse battery' };
const VIEWER = { email: 'vera@example.com', name: 'Vera Viewer', password: 'vera picks her own' };

let server: ServerProcess;
let browser: Browser;
let store: DataStore;
let adminContext: BrowserContext;
let viewerContext: BrowserContext;
let admin: Page;
let viewer: Page;
/** Problems seen on any page; every test ends by checking there were none. */
const problems: string[] = [];
/** Server action requests the administrator's browser sent, by a label of what they did. */
const captured = new Map<string, { headers: Record<string, string>; body: string; url: string }>();
let initialPassword = '';

function watch(page: Page, who: string): Page {
  return watchPageProblems(page, problems, who);
}

let shot = 0;
async function screenshot(page: Page, name: string) {
  shot++;
  await page.screenshot({
    path: path.join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`),
    fullPage: true,
  });
}

function pathOf(page: Page): string {
  const url = new URL(page.url());
  return url.pathname;
}

/** Records the next server action request the page sends, under `label`. */
function captureNextAction(page: Page, label: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = async (request: Request) => {
      const headers = await request.allHeaders();
      if (request.method() !== 'POST' || !headers['next-action']) return;
      page.off('request', listener);
      captured.set(label, {
        url: request.url(),
        headers,
        body: (request.postDataBuffer() ?? Buffer.alloc(0)).toString('base64'),
      });
      resolve();
    };
    page.on('request', listener);
  });
}

/**
 * Sends a captured server action request again from `page` (so with that page's cookies), with
 * `edit` applied to the body; returns the status and the response text.
 */
async function replay(
  page: Page,
  label: string,
  edit: (body: string) => string = (body) => body,
): Promise<{ status: number; text: string }> {
  const request = captured.get(label);
  if (!request) throw new Error(`no server action was captured for "${label}"`);
  const body = edit(Buffer.from(request.body, 'base64').toString('utf8'));
  const headers: Record<string, string> = {};
  for (const name of ['next-action', 'content-type', 'accept', 'next-router-state-tree']) {
    if (request.headers[name]) headers[name] = request.headers[name];
  }
  return page.evaluate(
    async ({ url, headers, body }) => {
      const response = await fetch(url, { method: 'POST', headers, body });
      return { status: response.status, text: await response.text() };
    },
    { url: request.url, headers, body },
  );
}

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'networkidle' }),
    page.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
}

async function signOut(page: Page) {
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/signin', { waitUntil: 'networkidle' }),
    page.getByRole('button', { name: 'Sign out' }).click(),
  ]);
}

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  browser = await launchChromium();
  server = await startServer({ name: 'auth-journey', env: { NEXTAUTH_URL: undefined } });
  store = await openDataStore({ dataDir: server.dataDir, projectRoot: PROJECT_ROOT });
  adminContext = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  viewerContext = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  admin = watch(await adminContext.newPage(), 'admin');
  viewer = watch(await viewerContext.newPage(), 'viewer');
});

afterAll(async () => {
  await browser?.close();
  await store?.close();
  await server?.stop();
});

describe('sign-in, users and access', () => {
  it('sends the first visitor to setup, which creates the first administrator', async () => {
    await admin.goto(`${server.baseUrl}/`, { waitUntil: 'networkidle' });
    expect(pathOf(admin)).toBe('/setup');
    await expect(
      admin.getByRole('heading', { name: 'Set up DevOpsMaestro' }).isVisible(),
    ).resolves.toBe(true);
    await screenshot(admin, 'setup');

    // A refused form keeps what was typed and puts the message beside the field.
    await admin.getByLabel('Email').fill(ADMIN.email);
    await admin.getByLabel('Name').fill(ADMIN.name);
    await admin.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await admin.getByLabel('Confirm password').fill('something else entirely');
    await admin.getByRole('button', { name: 'Create administrator' }).click();
    const mismatch = admin.locator('#field-confirm-error');
    await mismatch.waitFor();
    expect(await mismatch.textContent()).toBe('The two passwords differ.');
    expect(await admin.getByLabel('Confirm password').getAttribute('aria-invalid')).toBe('true');
    expect(await admin.getByLabel('Email').inputValue()).toBe(ADMIN.email);
    await screenshot(admin, 'setup-refused');

    await admin.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await admin.getByLabel('Confirm password').fill(ADMIN.password);
    await Promise.all([
      admin.waitForURL((url) => url.pathname === '/signin', { waitUntil: 'networkidle' }),
      admin.getByRole('button', { name: 'Create administrator' }).click(),
    ]);
    expect(await store.users.count()).toBe(1);
    // next-auth redirected to the address the browser used, though NEXTAUTH_URL is unset.
    expect(new URL(admin.url()).origin).toBe(server.baseUrl);
    await screenshot(admin, 'signin');

    // Setup is over: the page now sends visitors to sign in.
    await admin.goto(`${server.baseUrl}/setup`, { waitUntil: 'networkidle' });
    expect(pathOf(admin)).toBe('/signin');
    expect(problems).toEqual([]);
  });

  it('signs the administrator in and out', async () => {
    await signIn(admin, ADMIN.email, ADMIN.password);
    expect(pathOf(admin)).toBe('/');
    await expect(admin.getByRole('heading', { name: 'Ecosystems' }).isVisible()).resolves.toBe(
      true,
    );
    const header = admin.locator('header');
    expect(await header.getByText(ADMIN.name).isVisible()).toBe(true);
    expect(await header.getByRole('link', { name: 'Users' }).isVisible()).toBe(true);
    await screenshot(admin, 'home-admin');

    await signOut(admin);
    // The session is over on the server too: pages send the visitor to sign in again.
    await admin.goto(`${server.baseUrl}/tokens`, { waitUntil: 'networkidle' });
    expect(pathOf(admin)).toBe('/signin');
    expect(new URL(admin.url()).searchParams.get('callbackUrl')).toContain('/tokens');
    expect(problems).toEqual([]);
  });

  it('says when the email or password is wrong', async () => {
    await signIn(admin, ADMIN.email, 'not the password');
    expect(pathOf(admin)).toBe('/signin');
    expect(await admin.locator('#signin-error').textContent()).toBe(
      'The email or password is wrong.',
    );
    expect(await admin.getByLabel('Email').isVisible()).toBe(true);
    await screenshot(admin, 'signin-wrong-password');
    expect(problems).toEqual([]);
  });

  it('slows down repeated wrong passwords and says how long to wait', async () => {
    // Another account, so the administrator is not the one held back.
    let message = '';
    for (let attempt = 1; attempt <= 12; attempt++) {
      await signIn(admin, 'mallory@example.com', `guess number ${attempt}`);
      message = (await admin.locator('#signin-error').textContent()) ?? '';
      if (message.startsWith('Too many')) break;
      expect(message).toBe('The email or password is wrong.');
    }
    expect(message).toMatch(/^Too many failed sign-ins; try again in \d+ seconds?\.$/);
    await screenshot(admin, 'signin-throttled');
    expect(problems).toEqual([]);
  });

  it('lets the administrator create a user, whose initial password is shown once', async () => {
    await signIn(admin, ADMIN.email, ADMIN.password);
    expect(pathOf(admin)).toBe('/');
    await admin.goto(`${server.baseUrl}/users`, { waitUntil: 'networkidle' });
    await screenshot(admin, 'users');

    const form = admin.getByRole('form', { name: 'Create a user' });
    await form.getByLabel('Email').fill(VIEWER.email);
    await form.getByLabel('Name').fill(VIEWER.name);
    const sent = captureNextAction(admin, 'create user');
    await form.getByRole('button', { name: 'Create user' }).click();
    await sent;
    const secret = admin.getByRole('region', { name: `Initial password for ${VIEWER.email}` });
    await secret.waitFor();
    initialPassword = await secret.getByRole('textbox').inputValue();
    expect(initialPassword.length).toBeGreaterThanOrEqual(10);
    const table = admin.getByRole('table', { name: 'Users' });
    await table.getByText(VIEWER.email).waitFor();
    await screenshot(admin, 'users-created');

    const stored = await store.users.findByEmail(VIEWER.email);
    expect(stored).toMatchObject({ isAdmin: false, mustChangePassword: true, disabled: false });
    expect(problems).toEqual([]);
  });

  it('lets the administrator add the user to an ecosystem as a viewer', async () => {
    await store.ecosystems.create({}, { name: 'eco', annotations: { description: 'Shared' } });
    await store.ecosystems.create({}, { name: 'other' });

    await admin.goto(`${server.baseUrl}/ecosystems/eco/members`, { waitUntil: 'networkidle' });
    const form = admin.getByRole('form', { name: 'Add a member' });
    await form.getByLabel('Email').fill(VIEWER.email);
    await form.getByLabel('Role').selectOption('viewer');
    const sent = captureNextAction(admin, 'add member');
    await form.getByRole('button', { name: 'Add member' }).click();
    await sent;
    await admin.getByRole('status').filter({ hasText: 'is now viewer of eco' }).waitFor();
    const row = admin.getByRole('row').filter({ hasText: VIEWER.email });
    await row.waitFor();
    expect(await row.getByRole('cell').nth(1).textContent()).toBe('viewer');
    await screenshot(admin, 'members-admin');

    const vera = await store.users.findByEmail(VIEWER.email);
    expect(await store.memberships.roleOf(vera!.id, 'eco')).toBe('viewer');
    expect(problems).toEqual([]);
  });

  it('gives the administrator API tokens shown once, usable and revocable', async () => {
    await admin.goto(`${server.baseUrl}/tokens`, { waitUntil: 'networkidle' });
    const form = admin.getByRole('form', { name: 'Create a token' });
    await form.getByLabel('Name').fill('laptop CLI');
    await form.getByLabel('Scope').selectOption('read');
    await form.getByRole('button', { name: 'Create token' }).click();
    const secret = admin.getByRole('region', { name: 'Token "laptop CLI"' });
    await secret.waitFor();
    const token = await secret.getByRole('textbox').inputValue();
    expect(token).toMatch(/^dvm_/);
    const row = admin.getByRole('row').filter({ hasText: 'laptop CLI' });
    await row.waitFor();
    expect(await row.getByText(token.slice(0, 12)).count()).toBe(1);
    await screenshot(admin, 'tokens');

    const me = await fetch(`${server.baseUrl}/api/v1/me`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { email: ADMIN.email }, scope: 'read' });

    await row.getByRole('button', { name: 'Revoke laptop CLI' }).click();
    const confirm = admin.getByRole('alertdialog', { name: 'Revoke the token "laptop CLI"?' });
    await confirm.getByRole('button', { name: 'Revoke laptop CLI' }).click();
    await row.getByText('revoked').waitFor();
    const after = await fetch(`${server.baseUrl}/api/v1/me`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(after.status).toBe(401);
    expect(problems).toEqual([]);
  });

  it('shows the administrator the audit log', async () => {
    await admin.goto(`${server.baseUrl}/audit`, { waitUntil: 'networkidle' });
    const table = admin.getByRole('table', { name: 'Audit events' });
    await table.waitFor();
    expect(await table.getByRole('row').count()).toBeGreaterThan(1);
    await screenshot(admin, 'audit');
    expect(problems).toEqual([]);
  });

  it('makes the new user choose a password, then shows only their ecosystems', async () => {
    await viewer.goto(`${server.baseUrl}/`, { waitUntil: 'networkidle' });
    expect(pathOf(viewer)).toBe('/signin');
    await signIn(viewer, VIEWER.email, initialPassword);
    expect(pathOf(viewer)).toBe('/account/password');
    await expect(
      viewer.getByRole('heading', { name: 'Choose your password' }).isVisible(),
    ).resolves.toBe(true);
    // Nothing else opens until the password is changed.
    await viewer.goto(`${server.baseUrl}/tokens`, { waitUntil: 'networkidle' });
    expect(pathOf(viewer)).toBe('/account/password');
    await screenshot(viewer, 'password-forced');

    await viewer.getByLabel('Current password').fill(initialPassword);
    await viewer.getByLabel('New password', { exact: true }).fill(VIEWER.password);
    await viewer.getByLabel('Confirm new password').fill(VIEWER.password);
    await Promise.all([
      viewer.waitForURL((url) => url.pathname === '/', { waitUntil: 'networkidle' }),
      viewer.getByRole('button', { name: 'Change password' }).click(),
    ]);
    const names = await viewer
      .getByRole('list', { name: 'Ecosystems' })
      .locator('.item-name')
      .allTextContents();
    expect(names).toEqual(['eco']);
    const nav = viewer.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Users' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    await screenshot(viewer, 'home-viewer');
    expect(problems).toEqual([]);
  });

  it('shows the viewer no controls they may not use', async () => {
    await viewer.goto(`${server.baseUrl}/ecosystems/eco/members`, { waitUntil: 'networkidle' });
    const row = viewer.getByRole('row').filter({ hasText: VIEWER.email });
    await row.waitFor();
    const main = viewer.locator('main');
    expect(await main.locator('form').count()).toBe(0);
    expect(await main.getByRole('button').count()).toBe(0);
    await screenshot(viewer, 'members-viewer');

    await viewer.goto(`${server.baseUrl}/users`, { waitUntil: 'networkidle' });
    await main.getByText('You do not have access to this page.').waitFor();
    expect(await main.locator('form').count()).toBe(0);
    expect(await main.getByRole('table').count()).toBe(0);
    await screenshot(viewer, 'users-viewer');

    await viewer.goto(`${server.baseUrl}/audit`, { waitUntil: 'networkidle' });
    await main.getByText('You do not have access to the audit log.').waitFor();
    expect(await main.getByRole('table').count()).toBe(0);
    await screenshot(viewer, 'audit-viewer');

    // Tokens are personal: the viewer may make their own, but never with the admin scope.
    await viewer.goto(`${server.baseUrl}/tokens`, { waitUntil: 'networkidle' });
    const scopes = await viewer
      .getByLabel('Scope')
      .locator('option')
      .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
    expect(scopes).toEqual(['read', 'write']);
    await screenshot(viewer, 'tokens-viewer');
    expect(problems).toEqual([]);
  });

  it("refuses the administrator's server actions replayed with the viewer's cookie", async () => {
    await viewer.goto(`${server.baseUrl}/ecosystems/eco/members`, { waitUntil: 'networkidle' });
    const users = await store.users.count();

    const createUser = await replay(viewer, 'create user');
    expect(createUser.text).toContain('"code":"FORBIDDEN"');
    expect(await store.users.count()).toBe(users);

    // Crafted: the same "add member" request, but making the viewer an owner.
    const promote = await replay(viewer, 'add member', (body) => {
      const edited = body.replace(/\r\n\r\nviewer\r\n/, '\r\n\r\nowner\r\n');
      expect(edited).not.toBe(body);
      return edited;
    });
    expect(promote.text).toContain('"code":"FORBIDDEN"');
    const vera = await store.users.findByEmail(VIEWER.email);
    expect(await store.memberships.roleOf(vera!.id, 'eco')).toBe('viewer');

    // Without any session the action refuses before it does anything.
    const request = captured.get('add member')!;
    const anonymous = await fetch(request.url, {
      method: 'POST',
      headers: {
        'next-action': request.headers['next-action']!,
        'content-type': request.headers['content-type']!,
        accept: 'text/x-component',
        origin: server.baseUrl,
      },
      body: Buffer.from(request.body, 'base64'),
    });
    expect(await anonymous.text()).toContain('"code":"UNAUTHENTICATED"');
    expect(problems).toEqual([]);
  });

  it('signs the viewer out from the header', async () => {
    await viewer.goto(`${server.baseUrl}/`, { waitUntil: 'networkidle' });
    await signOut(viewer);
    await screenshot(viewer, 'signed-out');
    await viewer.goto(`${server.baseUrl}/`, { waitUntil: 'networkidle' });
    expect(pathOf(viewer)).toBe('/signin');
    expect(problems).toEqual([]);
  });

  it('tells a disabled user that their account is disabled', async () => {
    await admin.goto(`${server.baseUrl}/users`, { waitUntil: 'networkidle' });
    const row = admin.getByRole('row').filter({ hasText: VIEWER.email });
    await row.getByRole('button', { name: `Disable ${VIEWER.email}` }).click();
    await row.getByRole('button', { name: `Enable ${VIEWER.email}` }).waitFor();
    expect(await row.getByText('disabled', { exact: true }).isVisible()).toBe(true);
    await screenshot(admin, 'users-disabled');

    await signIn(viewer, VIEWER.email, VIEWER.password);
    expect(pathOf(viewer)).toBe('/signin');
    expect(await viewer.locator('#signin-error').textContent()).toBe('This account is disabled.');
    await screenshot(viewer, 'signin-disabled');
    expect(problems).toEqual([]);
  });
});
