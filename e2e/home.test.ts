// The home page end to end: the real production server (server.ts on a `next build`) on a fresh
// SQLite data directory, read in Debian's Chromium. First the empty state, then two ecosystems
// written into the same database file by the test.
//
// Needs a prior `next build` (`npm run e2e` runs it) and Chromium (DVM_CHROMIUM, exported by
// scripts/with-test-env.sh); without either the test fails with a message saying so.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataStore } from '@/lib/store/open-data-store';
import { launchChromium } from '@/lib/testing/test-env';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let browser: Browser | undefined;
let server: ChildProcess | undefined;
let serverOutput = '';
let dataDir: string | undefined;
let baseUrl = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function serverLog(): string {
  return serverOutput.split('\n').slice(-30).join('\n');
}

async function waitForHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (server?.exitCode != null) {
      throw new Error(
        `server.ts exited with ${server.exitCode} before it was healthy:\n${serverLog()}`,
      );
    }
    try {
      const response = await fetch(`${url}/api/healthz`);
      if (response.ok) return;
      last = `HTTP ${response.status}: ${await response.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`server.ts not healthy after ${timeoutMs} ms (${last}):\n${serverLog()}`);
}

/** Loads `url` in a new page; returns the page and every console error or uncaught exception. */
async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  await page.goto(url, { waitUntil: 'networkidle' });
  return { page, errors };
}

beforeAll(async () => {
  if (!existsSync(path.join(root, '.next', 'BUILD_ID'))) {
    throw new Error('No production build: run `npx next build` first (`npm run e2e` does).');
  }
  browser = await launchChromium();

  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dvm-e2e-home-'));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // node --import tsx rather than the tsx binary: one process, so the kill below reaches it.
  server = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production', // vitest sets 'test'
      PORT: String(port),
      DVM_DATA_DIR: dataDir,
      DATABASE_URL: '',
      DVM_LOCAL_AGENT: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
  server.stderr!.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
  await waitForHealthy(baseUrl, 60_000);
});

afterAll(async () => {
  if (server && server.exitCode == null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server!.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await browser?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('home page', () => {
  it('reports a healthy SQLite database', async () => {
    const response = await fetch(`${baseUrl}/api/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', database: 'sqlite' });
  });

  // Runs before the seeding test below: the data directory is still fresh here.
  it('tells what to do next when there are no ecosystems', async () => {
    const { page, errors } = await open(`${baseUrl}/`);
    try {
      expect(await page.title()).toBe('DevOpsMaestro');
      await expect(page.getByText('No ecosystems yet.').isVisible()).resolves.toBe(true);
      await expect(page.getByText('POST /api/v1/ecosystems').isVisible()).resolves.toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('lists the ecosystems in the database', async () => {
    const store = await openDataStore({ dataDir: dataDir!, projectRoot: root });
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

    const { page, errors } = await open(`${baseUrl}/`);
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

  it('refuses WebSocket upgrades under /ws/ until terminals exist', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = http.request(`${baseUrl}/ws/terminals/anything`, {
        headers: { Connection: 'Upgrade', Upgrade: 'websocket' },
      });
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode);
      });
      request.on('upgrade', () => reject(new Error('the upgrade was accepted')));
      request.on('error', reject);
      request.end();
    });
    expect(status).toBe(501);
  });
});
