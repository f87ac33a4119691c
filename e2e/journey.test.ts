// The first-run journey (issue P1.7) in Debian's Chromium, on the production server with its
// embedded agent and the real Docker engine, exactly as a new user meets the product: the first
// visit sets up the administrator, who signs in, creates an ecosystem, a domain, an app whose
// source lies under the allowed root and a workspace, all through the dashboard's forms; builds
// the workspace and watches the steps finish live; starts it; types `echo hello` in a browser
// terminal; stops it; deletes it. Screenshots of every main page go to test-results/journey/.
// Any console error, uncaught exception, failed request or HTTP error status fails the test.
//
// Needs a prior `next build`, Docker and Chromium (scripts/with-test-env.sh).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchPageProblems } from '@/lib/testing/page-problems';
import { PROJECT_ROOT, type ServerProcess, startServer } from '@/lib/testing/server-process';
import { dockerConnection, launchChromium, requireBaseImage } from '@/lib/testing/test-env';

const SHOTS = path.join(PROJECT_ROOT, 'test-results', 'journey');
const ADMIN = { email: 'maya@example.com', name: 'Maya Maintainer', password: 'first ten minutes' };
const eco = `j${process.pid.toString(36)}${Date.now().toString(36)}`;

let server: ServerProcess;
let browser: Browser;
let page: Page;
let root: string;
let image: string;
const problems: string[] = [];

let shot = 0;
async function screenshot(name: string) {
  shot++;
  await page.screenshot({
    path: path.join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`),
    fullPage: true,
  });
}

const pathname = () => new URL(page.url()).pathname;

beforeAll(async () => {
  image = requireBaseImage();
  root = mkdtempSync(path.join(tmpdir(), 'dvm-journey-'));
  mkdirSync(path.join(root, 'api'));
  writeFileSync(path.join(root, 'api', 'main.go'), 'package main\n\nfunc main() {}\n');
  await mkdir(SHOTS, { recursive: true });
  server = await startServer({
    name: 'journey',
    env: { DVM_LOCAL_AGENT: 'on', DVM_ALLOWED_PATHS: root, NEXTAUTH_URL: undefined },
  });
  browser = await launchChromium();
  const context = await browser.newContext({
    baseURL: server.baseUrl,
    viewport: { width: 1280, height: 860 },
  });
  page = await context.newPage();
  watchPageProblems(page, problems);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  const docker = new Docker(dockerConnection());
  for (const c of await docker.listContainers({
    all: true,
    filters: { label: [`io.devopsmaestro.ecosystem=${eco}`] },
  })) {
    await docker.getContainer(c.Id).remove({ force: true });
  }
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('the first ten minutes, in Chromium', () => {
  it('sets up the administrator on the first visit and signs in', async () => {
    await page.goto('/', { waitUntil: 'networkidle' });
    expect(pathname()).toBe('/setup');
    await screenshot('setup');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Name').fill(ADMIN.name);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Confirm password').fill(ADMIN.password);
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/signin', { waitUntil: 'networkidle' }),
      page.getByRole('button', { name: 'Create administrator' }).click(),
    ]);
    await screenshot('signin');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/', { waitUntil: 'networkidle' }),
      page.getByRole('button', { name: 'Sign in', exact: true }).click(),
    ]);
    await screenshot('home');
    expect(problems, problems.join('\n')).toEqual([]);
  }, 60_000);

  it('shows the embedded agent as host local, healthy', async () => {
    await page.getByRole('link', { name: 'Hosts' }).first().click();
    await page.waitForURL((url) => url.pathname === '/hosts');
    const local = page.getByTestId('host-local');
    await expect
      .poll(
        async () => {
          await page.reload({ waitUntil: 'networkidle' });
          return local.getAttribute('data-status');
        },
        { timeout: 30_000 },
      )
      .toBe('healthy');
    await screenshot('hosts');
    expect(problems, problems.join('\n')).toEqual([]);
  }, 60_000);

  it('creates an ecosystem, a domain, an app and a workspace through the forms', async () => {
    await page.goto('/ecosystems', { waitUntil: 'networkidle' });
    await page.getByTestId('empty-ecosystem').waitFor();
    await screenshot('ecosystems-empty');
    await page.getByRole('form', { name: 'Create ecosystem' }).getByLabel('Name').fill(eco);
    await page.getByRole('button', { name: 'Create ecosystem' }).click();
    await page.waitForURL((url) => url.pathname === `/ecosystems/${eco}`);
    await page.getByTestId('empty-domain').waitFor();
    await screenshot('ecosystem');

    await page.getByRole('form', { name: 'Create domain' }).getByLabel('Name').fill('web');
    await page.getByRole('button', { name: 'Create domain' }).click();
    await page.waitForURL((url) => url.pathname === `/ecosystems/${eco}/domains/web`);
    await page.getByTestId('empty-app').waitFor();
    await screenshot('domain');

    const appForm = page.getByRole('form', { name: 'Create app' });
    await appForm.getByLabel('Name').fill('api');
    await appForm.getByLabel('Source path on the host').fill(path.join(root, 'api'));
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.waitForURL((url) => url.pathname === `/ecosystems/${eco}/domains/web/apps/api`);
    await page.getByTestId('empty-workspace').waitFor();

    // busybox has no package manager: build on it with no extra packages.
    const wsForm = page.getByRole('form', { name: 'Create workspace' });
    await wsForm.getByLabel('Name').fill('dev');
    await wsForm.getByLabel('Base image').fill(image);
    await wsForm.getByLabel('Packages').fill('none');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.waitForURL((url) => url.pathname.endsWith('/apps/api/workspaces/dev'));
    await expect
      .poll(() => page.getByTestId('workspace-state').getAttribute('data-state'))
      .toBe('not-created');
    await page.goto(`/ecosystems/${eco}/domains/web/apps/api`, { waitUntil: 'networkidle' });
    await page.getByTestId('workspace-row-dev').waitFor();
    await screenshot('app');
    expect(problems, problems.join('\n')).toEqual([]);
  }, 90_000);

  it('builds with live steps, starts, runs echo hello in a terminal, stops and deletes', async () => {
    await page.getByTestId('workspace-row-dev').getByRole('link', { name: 'dev' }).click();
    await page.waitForURL((url) => url.pathname.endsWith('/workspaces/dev'));
    const packages = page
      .getByTestId('effective-configuration')
      .locator('[data-setting="Packages"]');
    expect(await packages.textContent()).toBe('Packagesnoneworkspace');
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    const panel = page.getByTestId('build-panel');
    // The panel follows the build's event stream: the steps arrive without a reload.
    const steps = page.getByRole('list', { name: 'Build steps' }).getByRole('listitem');
    await expect
      .poll(() => panel.getAttribute('data-status'), { timeout: 120_000 })
      .toBe('succeeded');
    expect(await steps.count()).toBeGreaterThan(0);
    await screenshot('workspace-built');

    await page.getByRole('button', { name: 'Start the workspace' }).click();
    await expect
      .poll(() => page.getByTestId('workspace-state').getAttribute('data-state'), {
        timeout: 30_000,
      })
      .toBe('running');

    await page.getByRole('button', { name: 'New terminal' }).click();
    const terminal = page.getByTestId('terminal');
    await terminal.and(page.locator('[data-status="open"]')).waitFor({ timeout: 15_000 });
    await page.locator('.xterm').click();
    await page.keyboard.type('echo hel""lo');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('.xterm-rows').innerText(), { timeout: 10_000 })
      .toMatch(/^hello\s*$/m);
    await screenshot('workspace-terminal');
    // The picture in the README: what the first screen of a running workspace looks like.
    await page.screenshot({
      path: path.join(SHOTS, 'readme-workspace-page.png'),
      fullPage: true,
      clip: { x: 0, y: 0, width: 1280, height: 1180 },
    });

    // The terminal follows the theme the header sets, without a reload (xterm paints its
    // background on the scrollable element).
    const theme = page.getByRole('group', { name: 'Colour theme' });
    const viewport = page.locator('.xterm-scrollable-element');
    await theme.getByRole('button', { name: 'Dark' }).click();
    await expect
      .poll(() => viewport.evaluate((el) => getComputedStyle(el).backgroundColor))
      .toBe('rgb(15, 18, 22)');
    await theme.getByRole('button', { name: 'Light' }).click();
    await expect
      .poll(() => viewport.evaluate((el) => getComputedStyle(el).backgroundColor))
      .toBe('rgb(255, 255, 255)');
    await theme.getByRole('button', { name: 'System' }).click();

    await page.getByRole('button', { name: 'Stop the workspace' }).click();
    await expect
      .poll(() => page.getByTestId('workspace-state').getAttribute('data-state'), {
        timeout: 30_000,
      })
      .toBe('stopped');
    await screenshot('workspace-stopped');

    await page.getByRole('button', { name: 'Delete workspace' }).click();
    const dialog = page.getByRole('alertdialog');
    expect(await dialog.textContent()).toContain('dev');
    await screenshot('delete-confirmation');
    await Promise.all([
      page.waitForURL((url) => url.pathname === `/ecosystems/${eco}/domains/web/apps/api`),
      dialog.getByRole('button', { name: 'Delete workspace' }).click(),
    ]);
    await page.getByTestId('empty-workspace').waitFor();
    const docker = new Docker(dockerConnection());
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`io.devopsmaestro.ecosystem=${eco}`] },
    });
    expect(left).toEqual([]);
    expect(problems, problems.join('\n')).toEqual([]);
  }, 240_000);

  it('shows the audit trail of the journey', async () => {
    await page.goto('/audit', { waitUntil: 'networkidle' });
    const text = await page.locator('main').textContent();
    expect(text).toContain(ADMIN.email);
    await screenshot('audit');
    expect(problems, problems.join('\n')).toEqual([]);
  }, 30_000);
});
