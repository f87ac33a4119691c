// The hosts API on the real production server (server.ts on the `next build` output, fresh SQLite):
// registering a host and its one-time join token, who may do what, and an agent joining — a real
// agent process (the agent's gRPC service over a unix socket, running the Docker runtime on the
// test engine) — with its credential kept only encrypted in the database.
//
// Needs a prior `next build` and the test services (scripts/with-test-env.sh).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { hashCredential, startAgentServer, type AgentServer } from '@/agent/grpc/agent-service';
import { DockerRuntime, dockerConnectionFor } from '@/agent/runtime/docker-runtime';
import type { DataStore } from '@/lib/store/data-store';
import { openDataStore, SQLITE_FILE_NAME } from '@/lib/store/open-data-store';
import {
  type ApiClient,
  type ApiServer,
  problemShape,
  startApiServer,
  TEST_ADMIN_EMAIL,
  TEST_ADMIN_PASSWORD,
} from '@/lib/testing/api-client';
import { PROJECT_ROOT } from '@/lib/testing/server-process';
import { requireService } from '@/lib/testing/test-env';

const PASSWORD = 'hosts api password 123';
const credential = `agent-credential-${randomBytes(24).toString('base64url')}`;

interface HostBody {
  metadata: { name: string; labels: Record<string, string> };
  spec: { address: string };
  status: Record<string, unknown>;
}
interface Created {
  host: HostBody;
  joinToken: string;
  expiresAt: string;
}

let api: ApiServer;
let store: DataStore;
let member: ApiClient;
let readOnlyAdmin: ApiClient;
let agent: AgentServer;
let dir: string;

function rawHost(name: string): Record<string, unknown> {
  const db = new Database(path.join(api.server.dataDir, SQLITE_FILE_NAME), { readonly: true });
  try {
    return db.prepare('select * from hosts where name = ?').get(name) as Record<string, unknown>;
  } finally {
    db.close();
  }
}

/** Every byte of the database (main file and WAL), as text, to prove what is not in it. */
function databaseBytes(): string {
  const base = path.join(api.server.dataDir, SQLITE_FILE_NAME);
  return [base, `${base}-wal`]
    .filter((file) => fs.existsSync(file))
    .map((file) => fs.readFileSync(file).toString('latin1'))
    .join('');
}

async function create(name: string, extra: Record<string, unknown> = {}): Promise<Created> {
  return (await api.must('POST', '/api/v1/hosts', 201, { json: { name, ...extra } })).json();
}

beforeAll(async () => {
  const dockerHost = requireService('docker');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dvm-hosts-api-'));
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
  api = await startApiServer({ name: 'hosts-api' });
  store = await openDataStore({ dataDir: api.server.dataDir, projectRoot: PROJECT_ROOT });
  const email = 'developer@hosts.test';
  const { id } = (
    await api.must('POST', '/api/v1/users', 201, { json: { email, password: PASSWORD } })
  ).json<{ id: string }>();
  await store.users.update(id, { mustChangePassword: false });
  await store.ecosystems.create({}, { name: 'eco' });
  await store.memberships.set('eco', id, 'developer');
  member = api.as(await api.mintToken(email, PASSWORD, 'write'));
  readOnlyAdmin = api.as(await api.mintToken(TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD, 'read'));
});

afterAll(async () => {
  await store?.close();
  await api?.stop();
  await agent?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('hosts API', () => {
  it('an administrator registers a host and sees its join token once', async () => {
    const answer = await api.must('POST', '/api/v1/hosts', 201, {
      json: { name: 'edge', labels: { zone: 'a' } },
    });
    expect(answer.headers.get('location')).toBe('/api/v1/hosts/edge');
    const created = answer.json<Created>();
    expect(created.joinToken).toMatch(/^dvmj_[A-Za-z0-9_-]{43}$/);
    expect(created.host).toMatchObject({
      apiVersion: 'devopsmaestro.io/v1',
      kind: 'Host',
      metadata: { name: 'edge', labels: { zone: 'a' } },
      status: { status: 'pending', joined: false },
    });
    for (const [client, route] of [
      [api, '/api/v1/hosts/edge'],
      [api, '/api/v1/hosts/edge?output=yaml'],
      [api, '/api/v1/hosts/edge?output=table'],
      [member, '/api/v1/hosts'],
      [member, '/api/v1/hosts?output=table'],
    ] as const) {
      const read = await client.must('GET', route, 200);
      expect(read.text).not.toContain(created.joinToken);
      expect(read.text).toContain('edge');
    }
    expect(rawHost('edge').join_token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(databaseBytes()).not.toContain(created.joinToken);
    const yaml = await api.must('GET', '/api/v1/hosts/edge', 200, {
      headers: { Accept: 'application/yaml' },
    });
    expect(yaml.yaml()).toMatchObject({ kind: 'Host', metadata: { name: 'edge' } });
  });

  it('others may read hosts but not register, change or remove them', async () => {
    for (const client of [member, readOnlyAdmin]) {
      const refused = await client.request('POST', '/api/v1/hosts', { json: { name: 'mine' } });
      expect(refused.status).toBe(403);
      expect(problemShape(refused)).toEqual([]);
      expect(
        (await client.request('PATCH', '/api/v1/hosts/edge', { json: { labels: {} } })).status,
      ).toBe(403);
      expect((await client.request('DELETE', '/api/v1/hosts/edge')).status).toBe(403);
      expect(
        (await client.request('POST', '/api/v1/hosts/edge/join-token', { json: {} })).status,
      ).toBe(403);
    }
    const page = (await member.must('GET', '/api/v1/hosts', 200)).json<{ items: HostBody[] }>();
    expect(page.items.map((h) => h.metadata.name)).toEqual(['edge']);
    expect((await api.request('GET', '/api/v1/hosts', { token: null })).status).toBe(401);
    expect(await store.hosts.find('mine')).toBeUndefined();
  });

  it('refuses bad input with field paths, writing nothing', async () => {
    const bad = await api.request('POST', '/api/v1/hosts', {
      json: { name: 'Not OK', address: 'nowhere', expiresInSeconds: 1, extra: true },
    });
    expect(bad.status).toBe(400);
    expect(problemShape(bad)).toEqual([]);
    expect(
      bad
        .json<{ errors: Array<{ path: string }> }>()
        .errors.map((e) => e.path)
        .sort(),
    ).toEqual(['address', 'expiresInSeconds', 'extra', 'name']);
    expect((await api.request('POST', '/api/v1/hosts', { json: { name: 'join' } })).status).toBe(
      400,
    );
    expect((await api.request('POST', '/api/v1/hosts', { json: { name: 'edge' } })).status).toBe(
      409,
    );
    expect((await store.hosts.list()).items.map((h) => h.name)).toEqual(['edge']);
    // `join` is the join route's, for every method.
    const get = await api.request('GET', '/api/v1/hosts/join');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toContain('POST');
  });

  it('refuses joins with a wrong, expired or used token (401 problem+json), changing nothing', async () => {
    const join = (token: string) =>
      api.request('POST', '/api/v1/hosts/join', {
        token: null,
        json: { token, address: agent.address, credential },
      });
    const before = rawHost('edge');
    const wrong = await join(`dvmj_${randomBytes(32).toString('base64url')}`);
    expect(wrong.status).toBe(401);
    expect(problemShape(wrong)).toEqual([]);
    expect(wrong.json<{ detail: string }>().detail).toMatch(/join token is not valid/);

    const { joinToken: expiring } = await create('late');
    await store.hosts.update('late', { joinTokenExpiresAt: new Date(Date.now() - 1000) });
    expect((await join(expiring)).status).toBe(401);
    expect(rawHost('late').credential_ciphertext).toBeNull();
    expect(rawHost('edge')).toEqual(before);

    const malformed = await api.request('POST', '/api/v1/hosts/join', {
      token: null,
      json: { token: 'x' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json<{ errors: Array<{ path: string }> }>().errors.map((e) => e.path)).toEqual(
      ['token', 'address', 'credential'],
    );
  });

  it('joins a real agent: healthy with its platforms, the credential stored only encrypted', async () => {
    const { joinToken } = (
      await api.must('POST', '/api/v1/hosts/edge/join-token', 200, {
        json: { expiresInSeconds: 600 },
      })
    ).json<Created>();
    const unreachable = await api.request('POST', '/api/v1/hosts/join', {
      token: null,
      json: { token: joinToken, address: `unix://${path.join(dir, 'nobody.sock')}`, credential },
    });
    expect(unreachable.status).toBe(503);
    expect(unreachable.json<{ detail: string }>().detail).toMatch(
      /could not reach the agent at unix:\/\/.*nobody\.sock/,
    );

    const joined = await api.must('POST', '/api/v1/hosts/join', 200, {
      token: null,
      json: { token: joinToken, address: agent.address, credential },
    });
    expect(joined.text).not.toContain(credential);
    const host = (await member.must('GET', '/api/v1/hosts/edge', 200)).json<HostBody>();
    expect(host.spec.address).toBe(agent.address);
    expect(host.status).toMatchObject({
      status: 'healthy',
      joined: true,
      runtime: 'docker',
      platforms: [expect.objectContaining({ type: 'docker-host', active: true })],
    });
    expect(JSON.stringify(host)).not.toContain(credential);

    const row = rawHost('edge');
    expect(String(row.credential_ciphertext)).toMatch(/^v1:/);
    expect(JSON.stringify(row)).not.toContain(credential);
    expect(databaseBytes()).not.toContain(credential);
    expect(api.server.output()).not.toContain(credential);
    expect(api.server.output()).not.toContain(joinToken);

    const again = await api.request('POST', '/api/v1/hosts/join', {
      token: null,
      json: { token: joinToken, address: agent.address, credential },
    });
    expect(again.status).toBe(401);
    const audit = (await api.must('GET', '/api/v1/audit?action=host.join', 200)).json<{
      items: Array<{ target: string }>;
    }>();
    expect(audit.items.map((e) => e.target)).toEqual(['host edge']);
  });

  it('changes a host, and removes it only once no workspace is placed on it', async () => {
    const patched = await api.must('PATCH', '/api/v1/hosts/late', 200, {
      json: { labels: { gpu: 'true' }, address: 'late.example.com:7443' },
    });
    expect(patched.json<HostBody>()).toMatchObject({
      metadata: { labels: { gpu: 'true' } },
      spec: { address: 'late.example.com:7443' },
    });
    await store.domains.create({ ecosystem: 'eco' }, { name: 'dom' });
    await store.apps.create({ ecosystem: 'eco', domain: 'dom' }, { name: 'app' });
    const ws = await store.workspaces.create(
      { ecosystem: 'eco', domain: 'dom', app: 'app' },
      { name: 'ws' },
    );
    await store.placements.set({
      workspaceId: ws.id,
      host: 'late',
      containerName: 'dvm_eco_dom_app_ws',
      image: 'busybox',
      desired: 'stopped',
    });
    const refused = await api.request('DELETE', '/api/v1/hosts/late');
    expect(refused.status).toBe(409);
    expect(refused.json<{ detail: string }>().detail).toContain(
      'still has 1 workspace placed on it (eco/dom/app/ws)',
    );
    await store.placements.delete(ws.id);
    const removed = await api.request('DELETE', '/api/v1/hosts/late');
    expect(removed.status).toBe(204);
    expect((await api.request('GET', '/api/v1/hosts/late')).status).toBe(404);
  });
});
