// The host use cases on both dialects: who may do what, join tokens (shown once, hashed, one-time,
// expiring, throttled), the agent's credential sealed at rest, and joins against a real agent
// process — the agent's gRPC service over a unix socket, running the Docker runtime on the test
// engine.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { hashCredential, startAgentServer, type AgentServer } from '@/agent/grpc/agent-service';
import { DockerRuntime, dockerConnectionFor } from '@/agent/runtime/docker-runtime';
import { rawRows } from '@/lib/auth/raw-rows';
import { secretBox } from '@/lib/auth/sealed-secret';
import { hashSecret } from '@/lib/auth/secrets';
import { retryAfterSeconds } from '@/lib/auth/throttle';
import { DIALECTS } from '@/lib/testing/test-stores';
import { requireService } from '@/lib/testing/test-env';
import type { ActionContext } from '../action-context';
import { auditCount, openWorld, outcome, type World } from '../test-fixtures';
import { connectHost } from './connect-host';
import { countHostWorkspaces } from './count-host-workspaces';
import { createHost } from './create-host';
import { deleteHost } from './delete-host';
import { getHost } from './get-host';
import { joinHost, type JoinHostContext } from './join-host';
import { listHosts } from './list-hosts';
import { patchHost } from './patch-host';
import { rotateJoinToken } from './rotate-join-token';

const secrets = secretBox(randomBytes(32));
const credential = `agent-credential-${randomBytes(24).toString('base64url')}`;
let dir: string;
let agent: AgentServer;

beforeAll(async () => {
  const dockerHost = requireService('docker');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dvm-hosts-'));
  agent = await startAgentServer({
    address: `unix://${path.join(dir, 'agent.sock')}`,
    credentialHash: hashCredential(credential),
    runtime: new DockerRuntime({
      connection: dockerConnectionFor(dockerHost),
      allowedMountRoots: [],
    }),
    env: { DOCKER_HOST: dockerHost },
    fileExists: () => false,
  });
});

afterAll(async () => {
  await agent?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.each(DIALECTS)('hosts on %s', (dialect) => {
  let world: World;
  let admin: ActionContext;
  let clock = Date.now();
  const joinCtx = (extra: Partial<JoinHostContext> = {}): JoinHostContext => ({
    store: world.store,
    secrets,
    address: '192.0.2.10',
    now: () => new Date(clock),
    ...extra,
  });

  beforeAll(async () => {
    world = await openWorld(dialect);
    admin = { ...world.ctx('admin'), now: () => new Date(clock) };
  });
  afterAll(async () => {
    await world?.test.cleanup();
  });

  it('lets administrators register a host and shows its join token once, storing only a hash', async () => {
    const created = await createHost(admin, { name: 'edge-1', labels: { zone: 'a' } });
    expect(created.joinToken).toMatch(/^dvmj_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(created.expiresAt) - clock).toBe(3600_000);
    expect(created.host).toMatchObject({
      apiVersion: 'devopsmaestro.io/v1',
      kind: 'Host',
      metadata: { name: 'edge-1', labels: { zone: 'a' } },
      spec: { address: '' },
      status: { status: 'pending', joined: false, joinTokenExpiresAt: created.expiresAt },
    });
    const [row] = (await rawRows(world.test, 'hosts')).filter((r) => r.name === 'edge-1');
    expect(row!.join_token_hash).toBe(hashSecret(created.joinToken));
    expect(JSON.stringify(await rawRows(world.test, 'hosts'))).not.toContain(created.joinToken);
    const audit = await world.store.audit.list({ action: 'host.create' });
    expect(audit.items[0]).toMatchObject({ target: 'host edge-1', actor: 'admin@example.com' });
    expect(JSON.stringify(audit.items)).not.toContain(created.joinToken);

    // Reading never shows the token again.
    const read = await getHost(world.ctx('viewer'), 'edge-1');
    expect(JSON.stringify(read)).not.toContain('dvmj_');
    const custom = await createHost(admin, { name: 'edge-2', expiresInSeconds: 600 });
    expect(Date.parse(custom.expiresAt) - clock).toBe(600_000);
  });

  it('refuses everyone else, and bad input with field paths, writing nothing', async () => {
    const before = await auditCount(world.store);
    for (const who of ['owner', 'developer', 'viewer', 'outsider'] as const)
      expect(await outcome(createHost(world.ctx(who), { name: `by-${who}` }))).toBe('FORBIDDEN');
    const readToken = await world.tokenCtx('admin', 'read');
    expect(await outcome(createHost(readToken, { name: 'by-read-token' }))).toBe('FORBIDDEN');
    await expect(
      createHost(admin, {
        name: 'Bad_Name',
        address: 'no port',
        labels: { ok: 'yes', 'bad key!': 'x' },
        expiresInSeconds: 5,
      }),
    ).rejects.toMatchObject({
      code: 'INVALID',
      errors: expect.arrayContaining([
        expect.objectContaining({ path: 'name' }),
        expect.objectContaining({ path: 'address' }),
        expect.objectContaining({ path: 'labels["bad key!"]' }),
        expect.objectContaining({ path: 'expiresInSeconds' }),
      ]),
    });
    await expect(createHost(admin, { name: 'join' })).rejects.toMatchObject({
      code: 'INVALID',
      errors: [{ path: 'name', message: expect.stringMatching(/reserved/) }],
    });
    await expect(createHost(admin, { name: 'x', extra: 1 } as never)).rejects.toMatchObject({
      errors: [{ path: 'extra', message: 'unknown field' }],
    });
    expect(await outcome(createHost(admin, { name: 'edge-1' }))).toBe('ALREADY_EXISTS');
    for (const who of ['owner', 'viewer'] as const) {
      expect(await outcome(patchHost(world.ctx(who), 'edge-1', { labels: {} }))).toBe('FORBIDDEN');
      expect(await outcome(deleteHost(world.ctx(who), 'edge-1'))).toBe('FORBIDDEN');
      expect(await outcome(rotateJoinToken(world.ctx(who), 'edge-1'))).toBe('FORBIDDEN');
    }
    expect(await auditCount(world.store)).toBe(before);
    expect((await world.store.hosts.list()).items.map((h) => h.name)).toEqual(['edge-1', 'edge-2']);
  });

  it('lets anyone signed in list and read hosts, never a credential', async () => {
    const page = await listHosts(world.ctx('outsider'), { limit: 1 });
    expect(page.items.map((h) => h.metadata.name)).toEqual(['edge-1']);
    const next = await listHosts(world.ctx('outsider'), { limit: 1, cursor: page.nextCursor! });
    expect(next.items.map((h) => h.metadata.name)).toEqual(['edge-2']);
    expect(
      (await listHosts(world.ctx('viewer'), { labels: { zone: 'a' } })).items.map(
        (h) => h.metadata.name,
      ),
    ).toEqual(['edge-1']);
    expect(await outcome(getHost(world.ctx('viewer'), 'nope'))).toBe('NOT_FOUND');
  });

  it('changes address and labels, audited with before and after', async () => {
    const changed = await patchHost(admin, 'edge-2', {
      address: 'edge-2.example.com:7443',
      labels: { gpu: 'true' },
    });
    expect(changed).toMatchObject({
      metadata: { labels: { gpu: 'true' } },
      spec: { address: 'edge-2.example.com:7443' },
    });
    const [entry] = (await world.store.audit.list({ action: 'host.update' })).items;
    expect(entry).toMatchObject({
      before: { address: '', labels: {} },
      after: { address: 'edge-2.example.com:7443', labels: { gpu: 'true' } },
    });
    await expect(patchHost(admin, 'edge-2', {})).rejects.toMatchObject({ code: 'INVALID' });
    expect(await outcome(patchHost(admin, 'nope', { labels: {} }))).toBe('NOT_FOUND');
  });

  it('joins a real agent: checks the token, asks the agent, seals the credential, one time only', async () => {
    const { joinToken } = await rotateJoinToken(admin, 'edge-1');
    const joined = await joinHost(joinCtx(), {
      token: joinToken,
      address: agent.address,
      credential,
    });
    expect(joined.spec.address).toBe(agent.address);
    expect(joined.status).toMatchObject({
      status: 'healthy',
      joined: true,
      runtime: 'docker',
      agentVersion: expect.any(String),
      platforms: [expect.objectContaining({ type: 'docker-host', active: true })],
    });
    expect(joined.status.joinTokenExpiresAt).toBeUndefined();
    expect(joined.status.lastHeartbeat).toBe(new Date(clock).toISOString());

    const [row] = (await rawRows(world.test, 'hosts')).filter((r) => r.name === 'edge-1');
    expect(JSON.stringify(row)).not.toContain(credential);
    expect(row!.join_token_hash).toBeNull();
    expect(secrets.open(String(row!.credential_ciphertext))).toBe(credential);
    expect(JSON.stringify(await rawRows(world.test, 'audit_events'))).not.toContain(credential);
    const [entry] = (await world.store.audit.list({ action: 'host.join' })).items;
    expect(entry).toMatchObject({ target: 'host edge-1', address: '192.0.2.10', source: 'api' });

    // The control plane reaches it afterwards with the unsealed credential.
    const client = await connectHost(world.store, secrets, 'edge-1');
    try {
      expect((await client.info()).runtime).toBe('docker');
    } finally {
      client.close();
    }
    await expect(
      connectHost(world.store, secretBox(randomBytes(32)), 'edge-1'),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/key/) });
    await expect(connectHost(world.store, secrets, 'edge-2')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/has no agent yet/),
    });

    // Used: refused, and nothing changes.
    await expect(
      joinHost(joinCtx(), { token: joinToken, address: 'evil.example.com:1', credential }),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await world.store.hosts.get('edge-1')).address).toBe(agent.address);
  });

  it('keeps the token when the agent cannot be reached or refuses the credential', async () => {
    const { joinToken } = await rotateJoinToken(admin, 'edge-2');
    const missing = `unix://${path.join(dir, 'nobody.sock')}`;
    await expect(
      joinHost(joinCtx(), { token: joinToken, address: missing, credential }),
    ).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining(`could not reach the agent at ${missing}`),
    });
    await expect(
      joinHost(joinCtx(), {
        token: joinToken,
        address: agent.address,
        credential: `${credential}-but-wrong`,
      }),
    ).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('refused the credential'),
    });
    const host = await world.store.hosts.get('edge-2');
    expect(host.credentialCiphertext).toBeUndefined();
    expect(
      await world.store.hosts.findByJoinToken(hashSecret(joinToken), new Date(clock)),
    ).toBeDefined();
  });

  it('refuses an expired token, and throttles wrong tokens per address', async () => {
    const { joinToken } = await rotateJoinToken(admin, 'edge-2', { expiresInSeconds: 60 });
    clock += 61_000;
    await expect(
      joinHost(joinCtx({ address: '198.51.100.1' }), {
        token: joinToken,
        address: agent.address,
        credential,
      }),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await world.store.hosts.get('edge-2')).credentialCiphertext).toBeUndefined();

    const guess = () =>
      joinHost(joinCtx({ address: '198.51.100.2' }), {
        token: `dvmj_${randomBytes(32).toString('base64url')}`,
        address: agent.address,
        credential,
      });
    for (let i = 0; i < 20; i++) expect(await outcome(guess())).toBe('UNAUTHENTICATED');
    const throttled = await guess().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(retryAfterSeconds(throttled)).toBeGreaterThan(0);
    expect((throttled as Error).message).toMatch(/Too many joins/);
    // Another address is not held back.
    expect(
      await outcome(
        joinHost(joinCtx({ address: '198.51.100.3' }), {
          token: `dvmj_${randomBytes(32).toString('base64url')}`,
          address: agent.address,
          credential,
        }),
      ),
    ).toBe('UNAUTHENTICATED');
    await expect(
      joinHost(joinCtx(), { token: 'nope', address: 'x', credential: 'short' }),
    ).rejects.toMatchObject({
      code: 'INVALID',
      errors: [{ path: 'token' }, { path: 'address' }, { path: 'credential' }],
    });
  });

  it('deletes a host, but not while workspaces are placed on it', async () => {
    await world.hierarchy('placed');
    const ws = await world.store.workspaces.get({
      ecosystem: 'placed',
      domain: 'dom',
      app: 'app',
      name: 'ws',
    });
    await world.store.placements.set({
      workspaceId: ws.id,
      host: 'edge-1',
      containerName: 'dvm_placed_dom_app_ws',
      image: 'busybox',
      desired: 'running',
    });
    // What the hosts page shows host managers beside each host and in the delete confirmation:
    // counted across ecosystems in one query, so nobody else may ask.
    expect(await countHostWorkspaces(admin, ['edge-1', 'no-such-host'])).toEqual({ 'edge-1': 1 });
    await expect(countHostWorkspaces(world.ctx('owner'), ['edge-1'])).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(deleteHost(admin, 'edge-1')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('still has 1 workspace placed on it (placed/dom/app/ws)'),
    });
    await world.store.workspaces.delete({
      ecosystem: 'placed',
      domain: 'dom',
      app: 'app',
      name: 'ws',
    });
    await deleteHost(admin, 'edge-1');
    expect(await world.store.hosts.find('edge-1')).toBeUndefined();
    expect((await world.store.audit.list({ action: 'host.delete' })).items[0]).toMatchObject({
      target: 'host edge-1',
      before: { name: 'edge-1', joined: true },
    });
    expect(await outcome(deleteHost(admin, 'edge-1'))).toBe('NOT_FOUND');
  });
});
