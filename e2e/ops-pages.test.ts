// The operations pages in Debian's Chromium (issue P1.7), on the production server with its
// embedded agent and the real Docker engine: the hosts page shows host `local` healthy with the
// platform it found; an administrator adds a host and sees its join token once, issues a new one
// and deletes the host after a confirmation naming it; the YAML view previews a change as a diff
// and applies it; a viewer sees the YAML without controls and a crafted call of the apply action
// is refused; the theme toggle switches and survives a reload (server-rendered, no flash); the
// audit log filters by actor and resource. Pages fail the test on console errors, failed requests
// or HTTP errors.
//
// Needs a prior `next build`, Docker and Chromium (scripts/with-test-env.sh).
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiServer,
  startApiServer,
  TEST_ADMIN_EMAIL,
  TEST_ADMIN_PASSWORD,
} from '@/lib/testing/api-client';
import { PROJECT_ROOT } from '@/lib/testing/server-process';
import { openDataStore } from '@/lib/store/open-data-store';
import type { DataStore } from '@/lib/store/data-store';
import { watchPageProblems } from '@/lib/testing/page-problems';
import { launchChromium } from '@/lib/testing/test-env';

const SHOTS = path.join(PROJECT_ROOT, 'test-results', 'ops-pages');
const run = `ops${process.pid.toString(36)}${Date.now().toString(36)}`;
const VIEWER_EMAIL = 'viewer@ops.test';
const VIEWER_PASSWORD = 'viewer password 12345';
const WS_PATH = `/api/v1/ecosystems/${run}/domains/dom/apps/api/workspaces/dev`;

let api: ApiServer;
let store: DataStore;
let browser: Browser;
let admin: Page;
let viewerContext: BrowserContext;
let viewer: Page;
const problems: string[] = [];

function watch(page: Page, who: string): void {
  watchPageProblems(page, problems, who);
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/');
}

async function workspaceLabels(): Promise<Record<string, string>> {
  const answer = await api.must('GET', WS_PATH, 200);
  return answer.json<{ metadata: { labels?: Record<string, string> } }>().metadata.labels ?? {};
}

/** The id the build gave a server action, from its server-reference manifest. */
function actionId(file: string, name: string): string {
  const manifest = JSON.parse(
    readFileSync(
      path.join(PROJECT_ROOT, '.next', 'server', 'server-reference-manifest.json'),
      'utf8',
    ),
  ) as { node: Record<string, { filename?: string; exportedName?: string }> };
  const found = Object.entries(manifest.node).find(
    ([, entry]) => entry.filename === file && entry.exportedName === name,
  );
  if (!found) throw new Error(`${file}#${name} is not in the build's server-reference manifest`);
  return found[0];
}

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  api = await startApiServer({ name: 'ops-pages', env: { DVM_LOCAL_AGENT: 'on' } });
  store = await openDataStore({ dataDir: api.server.dataDir, projectRoot: PROJECT_ROOT });
  await api.must('POST', '/api/v1/apply', 200, {
    yaml: [
      `apiVersion: devopsmaestro.io/v1\nkind: Ecosystem\nmetadata: {name: ${run}}\n`,
      `apiVersion: devopsmaestro.io/v1\nkind: Domain\nmetadata: {name: dom, ecosystem: ${run}}\n`,
      `apiVersion: devopsmaestro.io/v1\nkind: App\nmetadata: {name: api, ecosystem: ${run}, domain: dom}\nspec: {git: {url: "https://git.example.com/ops/api.git"}}\n`,
      `apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: dev, ecosystem: ${run}, domain: dom, app: api}\n`,
    ].join('---\n'),
  });
  const { id } = (
    await api.must('POST', '/api/v1/users', 201, {
      json: { email: VIEWER_EMAIL, name: 'Vera Viewer', password: VIEWER_PASSWORD },
    })
  ).json<{ id: string }>();
  await store.users.update(id, { mustChangePassword: false });
  await store.memberships.set(run, id, 'viewer');

  browser = await launchChromium();
  const adminContext = await browser.newContext({ baseURL: api.baseUrl });
  admin = await adminContext.newPage();
  watch(admin, 'admin');
  await signIn(admin, TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD);
  viewerContext = await browser.newContext({ baseURL: api.baseUrl });
  viewer = await viewerContext.newPage();
  watch(viewer, 'viewer');
  await signIn(viewer, VIEWER_EMAIL, VIEWER_PASSWORD);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await store?.close();
  await api?.stop();
}, 60_000);

describe('the hosts page', () => {
  it('shows host local healthy with the platform its agent found', async () => {
    await admin.goto('/hosts');
    const local = admin.getByTestId('host-local');
    // The embedded agent joins and beats within seconds of start-up; the page is server-rendered,
    // so look again until it says so.
    const deadline = Date.now() + 30_000;
    while ((await local.getAttribute('data-status')) !== 'healthy' && Date.now() < deadline) {
      await admin.waitForTimeout(500);
      await admin.reload();
    }
    expect(await local.getAttribute('data-status')).toBe('healthy');
    expect(await local.getByTestId('host-health').textContent()).toBe('healthy');
    const platforms = (await local.getByTestId('host-platforms').textContent()) ?? '';
    expect(platforms).toMatch(/\(active\)/);
    expect(await local.getByTestId('host-heartbeat').textContent()).toMatch(/UTC$/);
    const current = admin.getByRole('navigation', { name: 'Main' }).getByRole('link', {
      name: 'Hosts',
    });
    expect(await current.getAttribute('aria-current')).toBe('page');
    await admin.screenshot({ path: path.join(SHOTS, '01-hosts.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);

  it('adds a host showing its join token once, issues a new one, deletes it after confirming', async () => {
    await admin.goto('/hosts');
    const form = admin.getByRole('form', { name: 'Add a host' });
    await form.getByLabel('Name').fill('edge-1');
    await form.getByLabel('Labels').fill('zone=eu, gpu=true');
    await form.getByRole('button', { name: 'Add host' }).click();
    const tokenField = admin.getByRole('textbox', { name: 'Join token for edge-1' });
    await tokenField.waitFor();
    const token = await tokenField.inputValue();
    expect(token).toMatch(/^dvmj_[A-Za-z0-9_-]{43}$/);
    const command = await admin
      .getByRole('textbox', { name: 'Command to run on edge-1' })
      .inputValue();
    expect(command).toBe(
      `dvm-agent --join-token ${token} --control-plane ${api.baseUrl} --advertise HOST:7443`,
    );
    await admin.screenshot({ path: path.join(SHOTS, '02-host-added.png'), fullPage: true });

    // Shown once: a reload no longer has it anywhere.
    await admin.reload();
    expect(await admin.content()).not.toContain(token);
    const edge = admin.getByTestId('host-edge-1');
    expect(await edge.getAttribute('data-status')).toBe('pending');
    expect(await edge.getByTestId('host-heartbeat').textContent()).toBe('never');
    expect(await edge.textContent()).toContain('Waiting for its agent to join');
    expect(await edge.getByRole('list', { name: 'Labels of edge-1' }).textContent()).toContain(
      'zone=eu',
    );

    await edge.getByRole('button', { name: 'Issue a new join token for edge-1' }).click();
    const fresh = edge.getByRole('textbox', { name: 'Join token for edge-1' });
    await fresh.waitFor();
    const second = await fresh.inputValue();
    expect(second).toMatch(/^dvmj_/);
    expect(second).not.toBe(token);

    await edge.getByRole('button', { name: 'Delete host edge-1' }).click();
    const dialog = admin.getByRole('alertdialog');
    expect(await dialog.getByRole('heading').textContent()).toBe('Delete host "edge-1"?');
    expect(await dialog.textContent()).toContain('No workspaces are placed on edge-1');
    await admin.screenshot({ path: path.join(SHOTS, '03-delete-host.png') });
    // Cancel leaves it, and focus returns to the trigger.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(
      await admin.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? ''),
    ).toBe('Delete host edge-1');
    await api.must('GET', '/api/v1/hosts/edge-1', 200);

    await edge.getByRole('button', { name: 'Delete host edge-1' }).click();
    await admin.getByRole('alertdialog').getByRole('button', { name: 'Delete edge-1' }).click();
    await admin.getByTestId('host-edge-1').waitFor({ state: 'detached' });
    await api.must('GET', '/api/v1/hosts/edge-1', 404);

    // The audit log finds these events by actor and resource.
    await admin.goto(
      `/audit?actor=${encodeURIComponent(TEST_ADMIN_EMAIL)}&target=${encodeURIComponent('host edge-1')}`,
    );
    const rows = admin.getByRole('table', { name: 'Audit events' }).locator('tbody tr');
    const actions = await rows.locator('td:nth-child(3)').allTextContents();
    expect(actions).toEqual(['host.delete', 'host.rotate_join_token', 'host.create']);
    await admin.goto(`/audit?actor=${encodeURIComponent('nobody@ops.test')}`);
    expect(await admin.getByText('No events match.').count()).toBe(1);
    expect(problems).toEqual([]);
  }, 60_000);
});

describe('the YAML view', () => {
  it('previews a change as a diff, then applies it', async () => {
    await admin.goto(`/apply?ref=${run}/dom/api/dev`);
    const editor = admin.getByRole('textbox', { name: `Manifest of workspace ${run}/dom/api/dev` });
    const original = await editor.inputValue();
    const manifest = parseYaml(original) as { kind: string; metadata: Record<string, unknown> };
    expect(manifest.kind).toBe('Workspace');
    expect(manifest.metadata.name).toBe('dev');
    const applyButton = admin.getByRole('button', { name: 'Apply', exact: true });
    expect(await applyButton.isDisabled()).toBe(true);

    manifest.metadata.labels = { tier: 'gold' };
    await editor.fill(stringifyYaml(manifest));
    await admin.getByRole('button', { name: 'Preview changes' }).click();
    const results = admin.getByTestId('apply-results');
    await results.waitFor();
    expect(await results.getByTestId('apply-outcome').allTextContents()).toEqual(['configured']);
    const diff = (await results.getByTestId('apply-diff').textContent()) ?? '';
    expect(diff).toContain('+  labels:');
    expect(diff).toContain('+    tier: gold');
    expect(await workspaceLabels()).toEqual({});
    await admin.screenshot({ path: path.join(SHOTS, '04-yaml-preview.png'), fullPage: true });

    expect(await applyButton.isDisabled()).toBe(false);
    await applyButton.click();
    await admin.getByText('Applied: 1 configured.').waitFor();
    expect(await workspaceLabels()).toEqual({ tier: 'gold' });

    // A bad document is refused, nothing saved, and the problem says where.
    await editor.fill(
      `apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: Bad_Name, ecosystem: ${run}, domain: dom, app: api}\n`,
    );
    await admin.getByRole('button', { name: 'Preview changes' }).click();
    const listed = admin.getByTestId('apply-problems');
    await listed.waitFor();
    expect(await listed.textContent()).toContain('Field metadata.name:');
    expect(problems).toEqual([]);
  }, 60_000);

  it('a blank form applies pasted manifests', async () => {
    await admin.goto('/apply');
    await admin
      .getByRole('textbox', { name: 'Manifests' })
      .fill(
        `apiVersion: devopsmaestro.io/v1\nkind: Workspace\nmetadata: {name: pasted, ecosystem: ${run}, domain: dom, app: api}\n`,
      );
    await admin.getByRole('button', { name: 'Preview changes' }).click();
    await admin.getByText('Preview (nothing saved yet): 1 created.').waitFor();
    expect(await admin.getByTestId('apply-diff').textContent()).toContain('+++ workspace');
    await admin.getByRole('button', { name: 'Apply', exact: true }).click();
    await admin.getByText('Applied: 1 created.').waitFor();
    await api.must('GET', `/api/v1/ecosystems/${run}/domains/dom/apps/api/workspaces/pasted`, 200);
    expect(problems).toEqual([]);
  }, 60_000);

  it('shows a viewer the YAML without controls, and refuses their crafted apply', async () => {
    await viewer.goto(`/apply?ref=${run}/dom/api/dev`);
    const editor = viewer.getByRole('textbox', {
      name: `Manifest of workspace ${run}/dom/api/dev`,
    });
    expect(await editor.inputValue()).toContain('tier: gold');
    expect(await editor.getAttribute('readonly')).not.toBeNull();
    expect(await viewer.getByRole('button', { name: 'Preview changes' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Apply', exact: true }).count()).toBe(0);
    await viewer.screenshot({ path: path.join(SHOTS, '05-viewer-yaml.png'), fullPage: true });

    // The action is an endpoint: call it as React would (the FormData argument's fields prefixed
    // `_1_`, the root last), with the viewer's session cookie.
    const changed = (await editor.inputValue()).replace('tier: gold', 'tier: stolen');
    const cookie = (await viewerContext.cookies())
      .map(({ name, value }) => `${name}=${value}`)
      .join('; ');
    for (const intent of ['apply', 'preview']) {
      const form = new FormData();
      form.append('_1_yaml', changed);
      form.append('_1_intent', intent);
      form.append('0', JSON.stringify([{}, '$K1']));
      const answer = await fetch(`${api.baseUrl}/apply`, {
        method: 'POST',
        headers: {
          'Next-Action': actionId('app/apply/actions.ts', 'applyYamlAction'),
          Origin: api.baseUrl,
          Accept: 'text/x-component',
          Cookie: cookie,
        },
        body: form,
      });
      expect(answer.status).toBe(200);
      const text = await answer.text();
      expect(text, intent).toContain('"code":"FORBIDDEN"');
      expect(text, intent).toContain('labels');
    }
    expect(await workspaceLabels()).toEqual({ tier: 'gold' });
    expect(problems).toEqual([]);
  }, 60_000);
});

describe('themes', () => {
  it('switches with the header toggle and keeps the choice across a reload', async () => {
    await admin.emulateMedia({ colorScheme: 'light' });
    await admin.goto('/hosts');
    const toggle = admin.getByRole('group', { name: 'Colour theme' });
    const background = () => admin.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await toggle.getByRole('button', { name: 'System' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    expect(await background()).toBe('rgb(255, 255, 255)');

    await toggle.getByRole('button', { name: 'Dark' }).click();
    expect(await admin.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await background()).toBe('rgb(15, 18, 22)');

    // The server renders the choice: the HTML already has it, so the first paint is dark.
    const html = await (await admin.context().request.get('/hosts')).text();
    expect(html).toMatch(/<html[^>]*data-theme="dark"/);
    await admin.reload();
    expect(await admin.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await toggle.getByRole('button', { name: 'Dark' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    expect(await background()).toBe('rgb(15, 18, 22)');
    await admin.screenshot({ path: path.join(SHOTS, '06-dark.png'), fullPage: true });

    // System follows the browser's preference again.
    await toggle.getByRole('button', { name: 'System' }).click();
    expect(await admin.evaluate(() => document.documentElement.dataset.theme)).toBeUndefined();
    expect(await background()).toBe('rgb(255, 255, 255)');
    await admin.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).toBe('rgb(15, 18, 22)');
    await toggle.getByRole('button', { name: 'Light' }).click();
    expect(await background()).toBe('rgb(255, 255, 255)');
    await admin.reload();
    expect(await background()).toBe('rgb(255, 255, 255)');
    await toggle.getByRole('button', { name: 'System' }).click();
    expect(problems).toEqual([]);
  }, 60_000);

  it('fits a tablet-width window without sideways scrolling', async () => {
    await admin.setViewportSize({ width: 768, height: 1024 });
    for (const page of ['/hosts', `/apply?ref=${run}/dom/api/dev`, '/audit']) {
      await admin.goto(page);
      const overflow = await admin.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, page).toBeLessThanOrEqual(0);
    }
    await admin.screenshot({ path: path.join(SHOTS, '07-tablet-hosts.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);
});

describe('destructive actions elsewhere ask first', () => {
  it('removes a member only after a confirmation naming them', async () => {
    await admin.goto(`/ecosystems/${run}/members`);
    const trigger = admin.getByRole('button', { name: `Remove ${VIEWER_EMAIL}` });
    await trigger.click();
    const dialog = admin.getByRole('alertdialog', {
      name: `Remove ${VIEWER_EMAIL} from ${run}?`,
    });
    expect(await dialog.textContent()).toContain('loses the viewer role');
    await admin.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await admin.getByRole('row').filter({ hasText: VIEWER_EMAIL }).count()).toBe(1);

    await trigger.click();
    await dialog.getByRole('button', { name: `Remove ${VIEWER_EMAIL}` }).click();
    // The dialog closes once the removal is done (while it is open, the page behind is hidden
    // from role queries, so wait for the dialog, not for the row).
    await dialog.waitFor({ state: 'detached' });
    expect(await admin.getByRole('row').filter({ hasText: VIEWER_EMAIL }).count()).toBe(0);
    expect((await api.must('GET', `/api/v1/ecosystems/${run}/members`, 200)).text).not.toContain(
      VIEWER_EMAIL,
    );
    expect(problems).toEqual([]);
  }, 60_000);
});
