// The ecosystem, domain, app and workspace pages in Debian's Chromium (issue P1.7), on the
// production server with its embedded agent and the real Docker engine: an administrator creates
// each level through the pages' forms (a refused field shows its message beside it and keeps what
// was typed), edits and deletes through the confirmation dialog, and sees each workspace's state
// as reconciliation read it from the host; a viewer sees the same pages without any control, and
// the administrator's server action replayed with the viewer's cookie is refused. Every page fails
// the test on console errors, failed requests or HTTP errors.
//
// Needs a prior `next build`, Docker and Chromium (scripts/with-test-env.sh).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '@/lib/auth/password';
import type { DataStore } from '@/lib/store/data-store';
import { openDataStore } from '@/lib/store/open-data-store';
import {
  type ApiServer,
  startApiServer,
  TEST_ADMIN_EMAIL,
  TEST_ADMIN_PASSWORD,
} from '@/lib/testing/api-client';
import { watchPageProblems } from '@/lib/testing/page-problems';
import { PROJECT_ROOT } from '@/lib/testing/server-process';
import { dockerConnection, launchChromium, requireBaseImage } from '@/lib/testing/test-env';

const SHOTS = path.join(PROJECT_ROOT, 'test-results', 'resource-pages');
const run = `rp${process.pid.toString(36)}${Date.now().toString(36)}`;
const VIEWER = { email: 'vic@resource-pages.test', password: 'vic reads but never writes' };
const DEVELOPER = { email: 'dee@resource-pages.test', password: 'dee writes apps only' };

let api: ApiServer;
let store: DataStore;
let browser: Browser;
let admin: Page;
let viewer: Page;
let root: string;
let image: string;
const problems: string[] = [];

const ecoPath = `/ecosystems/${run}`;
const domPath = `${ecoPath}/domains/web`;
const appPath = `${domPath}/apps/api`;

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

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/'),
    page.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
}

/** Submits a form whose action redirects, and waits for the page it leads to. */
async function submitAndGo(page: Page, button: string, pathname: string) {
  await Promise.all([
    page.waitForURL((url) => url.pathname === pathname, { waitUntil: 'networkidle' }),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
}

/** The next server action request `page` sends. */
function nextAction(page: Page): Promise<Request> {
  return new Promise((resolve) => {
    const listener = async (request: Request) => {
      if (request.method() !== 'POST' || !(await request.allHeaders())['next-action']) return;
      page.off('request', listener);
      resolve(request);
    };
    page.on('request', listener);
  });
}

/** Sends `request` again from `page` (with that page's cookies), its body edited by `edit`. */
async function replay(page: Page, request: Request, edit: (body: string) => string = (b) => b) {
  const sent = await request.allHeaders();
  const headers: Record<string, string> = {};
  for (const name of ['next-action', 'content-type', 'accept', 'next-router-state-tree']) {
    if (sent[name]) headers[name] = sent[name];
  }
  const body = edit((request.postDataBuffer() ?? Buffer.alloc(0)).toString('utf8'));
  return page.evaluate(
    async ({ url, headers, body }) => {
      const response = await fetch(url, { method: 'POST', headers, body });
      return { status: response.status, text: await response.text() };
    },
    { url: request.url(), headers, body },
  );
}

async function containersOf(ecosystem: string) {
  const docker = new Docker(dockerConnection());
  return docker.listContainers({
    all: true,
    filters: { label: [`io.devopsmaestro.ecosystem=${ecosystem}`] },
  });
}

beforeAll(async () => {
  image = requireBaseImage();
  root = mkdtempSync(path.join(tmpdir(), 'dvm-rp-'));
  mkdirSync(path.join(root, 'api'));
  writeFileSync(path.join(root, 'api', 'main.go'), 'package main\n');
  await mkdir(SHOTS, { recursive: true });
  api = await startApiServer({
    name: 'resource-pages',
    env: { DVM_LOCAL_AGENT: 'on', DVM_ALLOWED_PATHS: root, DVM_RECONCILE_INTERVAL_MS: '1000' },
  });
  store = await openDataStore({ dataDir: api.server.dataDir, projectRoot: PROJECT_ROOT });
  await store.users.create({
    email: VIEWER.email,
    name: 'Vic Viewer',
    passwordHash: await hashPassword(VIEWER.password),
  });
  await store.users.create({
    email: DEVELOPER.email,
    name: 'Dee Developer',
    passwordHash: await hashPassword(DEVELOPER.password),
  });

  browser = await launchChromium();
  const adminContext = await browser.newContext({
    baseURL: api.baseUrl,
    viewport: { width: 1100, height: 900 },
  });
  admin = watch(await adminContext.newPage(), 'admin');
  // A tablet: the viewer's pages must work at this width too.
  const viewerContext = await browser.newContext({
    baseURL: api.baseUrl,
    viewport: { width: 800, height: 1100 },
  });
  viewer = watch(await viewerContext.newPage(), 'viewer');
  await signIn(admin, TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await store?.close();
  await api?.stop();
  const docker = new Docker(dockerConnection());
  for (const c of await containersOf(run).catch(() => [])) {
    await docker.getContainer(c.Id).remove({ force: true });
  }
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('the resource pages', () => {
  it('creates an ecosystem, a domain and an app through the forms, errors beside the fields', async () => {
    await admin.goto('/');
    await Promise.all([
      admin.waitForURL((url) => url.pathname === '/ecosystems'),
      admin.getByRole('link', { name: 'Manage ecosystems' }).click(),
    ]);
    await admin.getByTestId('empty-ecosystem').waitFor();
    expect(await admin.getByTestId('empty-ecosystem').textContent()).toContain(
      'Create the first one with the form below',
    );

    // The contract refuses the name; the message sits beside the field and the input is kept.
    const form = admin.getByRole('form', { name: 'Create ecosystem' });
    await form.getByLabel('Name').fill('Not A Name');
    await form.getByLabel('Description').fill('Web products');
    await admin.getByRole('button', { name: 'Create ecosystem' }).click();
    const nameError = admin.locator('#create-ecosystem-name-error');
    await nameError.waitFor();
    expect(await nameError.textContent()).toContain('lowercase DNS label');
    expect(await form.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('Description').inputValue()).toBe('Web products');
    await screenshot(admin, 'ecosystem-refused');

    await form.getByLabel('Name').fill(run);
    await form.getByLabel('Labels').fill('team=web');
    await submitAndGo(admin, 'Create ecosystem', ecoPath);
    const facts = admin.getByTestId('object-facts');
    expect(await facts.textContent()).toContain('Web products');
    expect(await facts.textContent()).toContain('team=web');
    const crumbs = admin.getByRole('navigation', { name: 'Breadcrumb' });
    expect(await crumbs.getByRole('link', { name: 'Ecosystems' }).getAttribute('href')).toBe(
      '/ecosystems',
    );
    await admin.getByTestId('empty-domain').waitFor();

    await admin.getByRole('form', { name: 'Create domain' }).getByLabel('Name').fill('web');
    await submitAndGo(admin, 'Create domain', domPath);
    await admin.getByTestId('empty-app').waitFor();

    // An app needs a source: the contract's message lands beside the path field.
    const appForm = admin.getByRole('form', { name: 'Create app' });
    await appForm.getByLabel('Name').fill('api');
    await appForm.getByLabel('Language', { exact: true }).fill('go');
    await admin.getByRole('button', { name: 'Create app' }).click();
    const pathError = admin.locator('#create-app-path-error');
    await pathError.waitFor();
    expect(await pathError.textContent()).toContain('needs spec.path and/or spec.git.url');
    expect(await appForm.getByLabel('Language', { exact: true }).inputValue()).toBe('go');
    await appForm.getByLabel('Source path on the host').fill(path.join(root, 'api'));
    await submitAndGo(admin, 'Create app', appPath);
    expect(await admin.getByTestId('object-facts').textContent()).toContain(path.join(root, 'api'));
    await admin.getByTestId('empty-workspace').waitFor();
    // The lists above say what each entry holds.
    await admin.goto('/ecosystems');
    expect(await admin.getByTestId(`counts-${run}`).textContent()).toBe(
      '1 domain · 1 app · 0 workspaces',
    );
    await admin.goto(ecoPath);
    expect(await admin.getByTestId('counts-web').textContent()).toBe('1 app · 0 workspaces');
    expect(problems).toEqual([]);
  }, 120_000);

  it('creates workspaces and lists them with their reconciled states', async () => {
    await admin.goto(appPath);
    const wsForm = admin.getByRole('form', { name: 'Create workspace' });
    await wsForm.getByLabel('Name').fill('dev');
    await wsForm.getByLabel('Ready image').fill(image);
    await submitAndGo(admin, 'Create workspace', `${appPath}/workspaces/dev`);
    // The workspace page has breadcrumbs back up the hierarchy.
    await Promise.all([
      admin.waitForURL((url) => url.pathname === appPath),
      admin
        .getByRole('navigation', { name: 'Breadcrumb' })
        .getByRole('link', { name: 'api' })
        .click(),
    ]);
    await admin.getByRole('form', { name: 'Create workspace' }).getByLabel('Name').fill('idle');
    await submitAndGo(admin, 'Create workspace', `${appPath}/workspaces/idle`);

    await api.must('POST', `/api/v1${appPath}/workspaces/dev/start`, 200);
    await admin.goto(appPath);
    const dev = admin.getByTestId('workspace-row-dev');
    await expect
      .poll(
        async () => {
          await admin.reload();
          return dev.locator('[data-state]').getAttribute('data-state');
        },
        { timeout: 30_000 },
      )
      .toBe('running');
    expect(await dev.textContent()).toContain('local');
    const idle = admin.getByTestId('workspace-row-idle');
    expect(await idle.locator('[data-state]').getAttribute('data-state')).toBe('not-created');
    expect(await admin.getByTestId('count-workspace').textContent()).toBe('2');
    // Each row links to the workspace page.
    expect(await dev.getByRole('link', { name: 'dev' }).getAttribute('href')).toBe(
      `${appPath}/workspaces/dev`,
    );
    await screenshot(admin, 'app-with-workspaces');
    expect(problems).toEqual([]);
  }, 120_000);

  it('edits an app, refusing a bad label line beside the field', async () => {
    await admin.goto(appPath);
    const edit = admin.getByRole('form', { name: 'Edit app' });
    await edit.getByLabel('Labels').fill('tier=backend\nnot a label');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    const labelsError = admin.locator('#edit-app-labels-error');
    await labelsError.waitFor();
    expect(await labelsError.textContent()).toBe('line 2 is not key=value');

    await edit.getByLabel('Labels').fill('tier=backend');
    await edit.getByLabel('Description').fill('The public API');
    const saved = nextAction(admin);
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await admin.getByRole('status').filter({ hasText: 'Saved the app.' }).waitFor();
    await saved;
    const stored = await store.apps.get({ ecosystem: run, domain: 'web', name: 'api' });
    expect(stored.labels).toEqual({ tier: 'backend' });
    expect(stored.annotations.description).toBe('The public API');
    // What the form does not show is kept.
    expect(stored.spec).toMatchObject({ path: path.join(root, 'api'), language: { name: 'go' } });
    await admin.reload();
    expect(await admin.getByTestId('object-facts').textContent()).toContain('The public API');

    // Someone changes the app after the form was shown: the form's save is refused, not merged.
    await api.must('PATCH', `/api/v1${appPath}`, 200, {
      json: { metadata: { labels: { tier: 'edge' } } },
      contentType: 'application/merge-patch+json',
    });
    await edit.getByLabel('Description').fill('Overwriting blindly');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await admin.getByRole('alert').filter({ hasText: 'Someone else changed this app' }).waitFor();
    const now = await store.apps.get({ ecosystem: run, domain: 'web', name: 'api' });
    expect(now.labels).toEqual({ tier: 'edge' });
    expect(now.annotations.description).toBe('The public API');
    await admin.reload();
    expect(await admin.getByTestId('object-facts').textContent()).toContain('tier=edge');
    expect(problems).toEqual([]);
  }, 60_000);

  it('pages through a long list with keyset cursors', async () => {
    const many = `${run}-many`;
    await store.ecosystems.create({}, { name: many });
    for (let i = 0; i < 51; i++) {
      await store.domains.create({ ecosystem: many }, { name: `d${String(i).padStart(2, '0')}` });
    }
    await admin.goto(`/ecosystems/${many}`);
    const list = admin.getByRole('list', { name: 'Domains' });
    expect(await list.getByRole('listitem').count()).toBe(50);
    expect(await admin.getByTestId('count-domain').textContent()).toBe('51');
    const pager = admin.getByRole('navigation', { name: 'Pages of domains' });
    expect(await pager.getByRole('link', { name: 'First page' }).count()).toBe(0);
    await Promise.all([
      admin.waitForURL((url) => url.searchParams.has('cursor')),
      pager.getByRole('link', { name: 'Next page' }).click(),
    ]);
    expect(await list.getByRole('listitem').allTextContents()).toEqual([
      expect.stringContaining('d50'),
    ]);
    expect(await pager.getByRole('link', { name: 'Next page' }).count()).toBe(0);
    await Promise.all([
      admin.waitForURL((url) => !url.searchParams.has('cursor')),
      pager.getByRole('link', { name: 'First page' }).click(),
    ]);
    expect(await list.getByRole('listitem').first().textContent()).toContain('d00');
    await store.ecosystems.delete({ name: many }, { cascade: true });
    expect(problems).toEqual([]);
  }, 60_000);

  it('shows a viewer the pages without controls, and refuses their crafted actions', async () => {
    const vic = await store.users.findByEmail(VIEWER.email);
    await store.memberships.set(run, vic!.id, 'viewer');
    await signIn(viewer, VIEWER.email, VIEWER.password);
    const main = viewer.locator('main');
    for (const page of ['/ecosystems', ecoPath, domPath, `${appPath}/workspaces/dev`, appPath]) {
      await viewer.goto(page, { waitUntil: 'networkidle' });
      expect(await viewer.getByRole('heading', { level: 1 }).count()).toBe(1);
      expect(await main.locator('form').count(), `forms on ${page}`).toBe(0);
      expect(await main.getByRole('button').count(), `buttons on ${page}`).toBe(0);
      // Nothing overflows sideways at tablet width.
      const overflow = await viewer.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `horizontal overflow on ${page}`).toBeLessThanOrEqual(0);
    }
    await viewer.getByTestId('read-only-note').waitFor();
    expect(
      await viewer
        .getByTestId('workspace-row-dev')
        .locator('[data-state]')
        .getAttribute('data-state'),
    ).toBe('running');
    await screenshot(viewer, 'app-viewer-tablet');

    // The administrator's edit, replayed with the viewer's cookie: refused, nothing changed.
    await admin.goto(appPath);
    const edit = admin.getByRole('form', { name: 'Edit app' });
    await edit.getByLabel('Description').fill('The public API, v2');
    const captured = nextAction(admin);
    await edit.getByRole('button', { name: 'Save changes' }).click();
    const editRequest = await captured;
    await admin.getByRole('status').filter({ hasText: 'Saved the app.' }).waitFor();
    const before = await store.apps.get({ ecosystem: run, domain: 'web', name: 'api' });
    const refused = await replay(viewer, editRequest, (body) =>
      body.replace('The public API, v2', 'Defaced by a viewer'),
    );
    expect(refused.text).toContain('"code":"FORBIDDEN"');
    const after = await store.apps.get({ ecosystem: run, domain: 'web', name: 'api' });
    expect(after.version).toBe(before.version);
    expect(after.annotations.description).toBe('The public API, v2');
    expect(problems).toEqual([]);
  }, 90_000);

  it('shows a developer the controls of apps and workspaces, not of the domain or ecosystem', async () => {
    const dee = await store.users.findByEmail(DEVELOPER.email);
    await store.memberships.set(run, dee!.id, 'developer');
    const context = await browser.newContext({ baseURL: api.baseUrl });
    const developer = watch(await context.newPage(), 'developer');
    try {
      await signIn(developer, DEVELOPER.email, DEVELOPER.password);
      const forms = async (page: string) => {
        await developer.goto(page, { waitUntil: 'networkidle' });
        return developer
          .locator('main form')
          .evaluateAll((all) => all.map((f) => f.getAttribute('aria-label')));
      };
      expect(await forms(ecoPath)).toEqual([]);
      expect(await developer.getByRole('button', { name: 'Delete ecosystem' }).count()).toBe(0);
      expect(await forms(domPath)).toEqual(['Create app']);
      expect(await developer.getByRole('button', { name: 'Delete domain' }).count()).toBe(0);
      expect(await forms(appPath)).toEqual(['Create workspace', 'Edit app']);
      expect(await developer.getByRole('button', { name: 'Delete app' }).count()).toBe(1);
    } finally {
      await context.close();
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('deletes a workspace and then the ecosystem through the confirmation dialog', async () => {
    await admin.goto(`${appPath}/workspaces/idle`);
    const capturedDelete = nextAction(admin);
    await admin.getByRole('button', { name: 'Delete workspace' }).click();
    const wsDialog = admin.getByRole('alertdialog');
    await wsDialog.waitFor();
    expect(await wsDialog.textContent()).toContain('Delete workspace idle?');
    await Promise.all([
      admin.waitForURL((url) => url.pathname === appPath, { waitUntil: 'networkidle' }),
      wsDialog.getByRole('button', { name: 'Delete workspace' }).click(),
    ]);
    expect(await admin.getByTestId('workspace-row-idle').count()).toBe(0);
    expect(await admin.getByTestId('count-workspace').textContent()).toBe('1');

    // The same delete, aimed by the viewer at the running workspace: refused before anything.
    const deleteRequest = await capturedDelete;
    const refused = await replay(viewer, deleteRequest, (body) =>
      body.replace(/\r\n\r\nidle\r\n/, '\r\n\r\ndev\r\n'),
    );
    expect(refused.text).toContain('"code":"FORBIDDEN"');
    expect(
      await store.workspaces.find({ ecosystem: run, domain: 'web', app: 'api', name: 'dev' }),
    ).toBeDefined();
    expect(await containersOf(run)).toHaveLength(1);

    // Keyboard: the delete button opens the dialog, which names what goes, and Escape closes it.
    await admin.goto(ecoPath);
    await admin.getByRole('button', { name: 'Delete ecosystem' }).focus();
    await admin.keyboard.press('Enter');
    const dialog = admin.getByRole('alertdialog');
    await dialog.waitFor();
    const text = await dialog.textContent();
    expect(text).toContain('1 domain, 1 app and 1 workspace');
    expect(text).toContain('removed from their hosts');
    await screenshot(admin, 'delete-ecosystem-dialog');
    await admin.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await store.ecosystems.find({ name: run })).toBeDefined();

    // Someone adds a domain while the dialog is open: the delete is refused, naming what changed,
    // because the user confirmed removing only what the dialog named.
    await admin.getByRole('button', { name: 'Delete ecosystem' }).click();
    await dialog.waitFor();
    await store.domains.create({ ecosystem: run }, { name: 'late' });
    await dialog.getByRole('button', { name: 'Delete ecosystem' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'changed since the page loaded' }).waitFor();
    expect(await dialog.textContent()).toContain('2 domains, 1 app and 1 workspace');
    expect(await store.ecosystems.find({ name: run })).toBeDefined();
    await admin.keyboard.press('Escape');
    await admin.reload({ waitUntil: 'networkidle' });

    await admin.getByRole('button', { name: 'Delete ecosystem' }).click();
    expect(await dialog.textContent()).toContain('2 domains, 1 app and 1 workspace');
    // Images stay (unticked): the ready image is the shared test base image.
    expect(await dialog.getByLabel('Also remove the images').isChecked()).toBe(false);
    await Promise.all([
      admin.waitForURL((url) => url.pathname === '/ecosystems', { waitUntil: 'networkidle' }),
      dialog.getByRole('button', { name: 'Delete ecosystem' }).click(),
    ]);
    expect(await store.ecosystems.find({ name: run })).toBeUndefined();
    expect(await containersOf(run)).toEqual([]);
    await admin.getByTestId('empty-ecosystem').waitFor();
    expect(problems).toEqual([]);
  }, 120_000);
});
