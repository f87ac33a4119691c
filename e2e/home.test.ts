// The home page end to end: the real production server (server.ts on a `next build`) on a fresh
// SQLite data directory with a headless admin, read in Debian's Chromium. First the empty state,
// then two ecosystems written into the same database file by the test.
//
// Needs a prior `next build` (`npm run e2e` runs it) and Chromium (DVM_CHROMIUM, exported by
// scripts/with-test-env.sh); without either the test fails with a message saying so.

import http from 'node:http';

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openDataStore } from '@/lib/store/open-data-store';
import {
  PROJECT_ROOT,
  type ServerProcess,
  requireProductionBuild,
  signInCookie,
  startServer,
} from '@/lib/testing/server-process';
import { launchChromium } from '@/lib/testing/test-env';

const ADMIN = { email: 'admin@example.com', password: 'home page admin password' };

let browser: Browser | undefined;
let context: BrowserContext | undefined;
let server: ServerProcess | undefined;
let cookie = '';

/** Loads `path` signed in as the admin; returns the page and every console error or uncaught exception. */
async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context!.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  await page.goto(`${server!.baseUrl}${path}`, { waitUntil: 'networkidle' });
  return { page, errors };
}

function upgradeStatus(headers: Record<string, string>): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${server!.baseUrl}/ws/terminals/anything`, {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', ...headers },
    });
    request.on('response', (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('upgrade', () => reject(new Error('the upgrade was accepted')));
    request.on('error', reject);
    request.end();
  });
}

beforeAll(async () => {
  requireProductionBuild();
  browser = await launchChromium();
  server = await startServer({
    name: 'home',
    env: { DVM_ADMIN_EMAIL: ADMIN.email, DVM_ADMIN_PASSWORD: ADMIN.password },
  });
  cookie = await signInCookie(server.baseUrl, ADMIN.email, ADMIN.password);
  context = await browser.newContext();
  await context.addCookies(
    cookie.split('; ').map((pair) => {
      const [name, ...value] = pair.split('=');
      return { name: name!, value: value.join('='), url: server!.baseUrl };
    }),
  );
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.stop();
});

describe('home page', () => {
  it('reports a healthy SQLite database without credentials', async () => {
    const response = await fetch(`${server!.baseUrl}/api/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', database: 'sqlite' });
  });

  // Runs before the seeding test below: the data directory is still fresh here.
  it('tells what to do next when there are no ecosystems', async () => {
    const { page, errors } = await open('/');
    try {
      expect(await page.title()).toBe('DevOpsMaestro');
      await expect(page.getByText('No ecosystems yet.').isVisible()).resolves.toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('lists the ecosystems in the database', async () => {
    const store = await openDataStore({ dataDir: server!.dataDir, projectRoot: PROJECT_ROOT });
    try {
      await store.ecosystems.create(
        {},
        {
          name: 'platform',
          labels: { team: 'core' },
          annotations: { description: 'Shared services for every product team' },
        },
      );
      await store.ecosystems.create({}, { name: 'payments' });
    } finally {
      await store.close();
    }

    const { page, errors } = await open('/');
    try {
      const list = page.getByRole('list', { name: 'Ecosystems' });
      const names = await list.locator('.item-name').allTextContents();
      expect(names).toEqual(['payments', 'platform']);
      await expect(
        page.getByText('Shared services for every product team').isVisible(),
      ).resolves.toBe(true);
      await expect(list.getByText('team=core').isVisible()).resolves.toBe(true);
      expect(await page.getByText('No ecosystems yet.').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('refuses WebSocket upgrades without credentials, and lets a signed-in one reach the terminal socket', async () => {
    expect(await upgradeStatus({})).toBe(401);
    // Past authentication the request reaches the terminal socket, which refuses this bare
    // handshake (no Sec-WebSocket-Key) as malformed; e2e/terminals.test.ts opens real ones.
    expect(await upgradeStatus({ Cookie: cookie, Origin: server!.baseUrl })).toBe(400);
  });
});
