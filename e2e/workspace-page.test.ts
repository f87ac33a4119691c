// The workspace page in Debian's Chromium (issues P1.4–P1.5), on the production server with its
// embedded agent and the real Docker engine: an administrator clicks Build and sees the steps
// arrive live and the build succeed, starts the workspace and sees it running as the host reports
// it, stops it; a failing build shows the failed step, its exit code and the last log lines in
// plain words. Every page fails the test on console errors, failed requests or HTTP errors.
//
// Needs a prior `next build`, Docker and Chromium (scripts/with-test-env.sh).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiServer,
  startApiServer,
  TEST_ADMIN_EMAIL,
  TEST_ADMIN_PASSWORD,
} from '@/lib/testing/api-client';
import { watchPageProblems } from '@/lib/testing/page-problems';
import { PROJECT_ROOT } from '@/lib/testing/server-process';
import { dockerConnection, launchChromium, requireBaseImage } from '@/lib/testing/test-env';

const SHOTS = path.join(PROJECT_ROOT, 'test-results', 'workspace-page');
const run = `wp${process.pid.toString(36)}${Date.now().toString(36)}`;

let api: ApiServer;
let browser: Browser;
let page: Page;
let root: string;
const problems: string[] = [];

function pagePath(ws: string): string {
  return `/ecosystems/${run}/domains/dom/apps/api/workspaces/${ws}`;
}

beforeAll(async () => {
  const image = requireBaseImage();
  root = mkdtempSync(path.join(tmpdir(), 'dvm-wp-'));
  mkdirSync(path.join(root, 'api'));
  writeFileSync(path.join(root, 'api', 'main.go'), 'package main\n');
  await mkdir(SHOTS, { recursive: true });
  api = await startApiServer({
    name: 'workspace-page',
    env: { DVM_LOCAL_AGENT: 'on', DVM_ALLOWED_PATHS: root },
  });
  // busybox has no package manager: a ready base image and no packages.
  const workspace = (name: string, extra = '') =>
    `apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: ${name}, ecosystem: ${run}, domain: dom, app: api}\nspec: {image: {baseImage: "${image}", packages: []}${extra}}\n`;
  await api.must('POST', '/api/v1/apply', 200, {
    yaml: [
      `apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: ${run}}\n`,
      `apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: dom, ecosystem: ${run}}\n`,
      `apiVersion: devopsmaestro.io/v1\nkind: App\nmetadata: {name: api, ecosystem: ${run}, domain: dom}\nspec: {path: ${path.join(root, 'api')}}\n`,
      workspace('dev'),
      workspace(
        'broken',
        ', build: {devStage: {customCommands: ["echo about to fail && exit 3"]}}',
      ),
    ].join('---\n'),
  });

  browser = await launchChromium();
  const context = await browser.newContext({ baseURL: api.baseUrl });
  page = await context.newPage();
  watchPageProblems(page, problems);
  await page.goto('/signin');
  await page.getByLabel('Email').fill(TEST_ADMIN_EMAIL);
  await page.getByLabel('Password').fill(TEST_ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  const docker = new Docker(dockerConnection());
  for (const c of await docker.listContainers({
    all: true,
    filters: { label: [`io.devopsmaestro.ecosystem=${run}`] },
  })) {
    await docker.getContainer(c.Id).remove({ force: true });
  }
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('the workspace page', () => {
  it('builds with live steps, starts and stops the workspace', async () => {
    await page.goto(pagePath('dev'));
    await expect
      .poll(() => page.getByTestId('workspace-state').getAttribute('data-state'))
      .toBe('not-created');
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    const panel = page.getByTestId('build-panel');
    await expect
      .poll(() => panel.getAttribute('data-status'), { timeout: 90_000 })
      .toBe('succeeded');
    const steps = page.getByRole('list', { name: 'Build steps' }).getByRole('listitem');
    expect(await steps.count()).toBeGreaterThan(0);
    await expect.poll(() => panel.textContent()).toContain(`dvm/${run}-dom-api-dev:`);
    await page.screenshot({ path: path.join(SHOTS, '01-built.png'), fullPage: true });

    await page.getByRole('button', { name: 'Start the workspace' }).click();
    await expect
      .poll(() => page.getByTestId('workspace-state').getAttribute('data-state'), {
        timeout: 30_000,
      })
      .toBe('running');
    await page.screenshot({ path: path.join(SHOTS, '02-running.png'), fullPage: true });

    await page.getByRole('button', { name: 'Stop the workspace' }).click();
    await expect
      .poll(() => page.getByTestId('workspace-state').getAttribute('data-state'), {
        timeout: 30_000,
      })
      .toBe('stopped');
    expect(problems).toEqual([]);
  }, 180_000);

  it('says in plain words why a build failed', async () => {
    await page.goto(pagePath('broken'));
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    const panel = page.getByTestId('build-panel');
    await expect.poll(() => panel.getAttribute('data-status'), { timeout: 90_000 }).toBe('failed');
    const failure = panel.getByRole('alert');
    await expect.poll(() => failure.textContent()).toContain('exited with code 3');
    expect(await failure.textContent()).toContain('about to fail');
    await page.screenshot({ path: path.join(SHOTS, '03-failed.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 120_000);
});
