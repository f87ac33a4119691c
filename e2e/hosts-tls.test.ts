// An agent serving TLS joins the control plane (issue P1.4, DESIGN §7 "TLS where configured"):
// the agent advertises `tls://host:port`, the control plane dials it with TLS and checks its
// certificate against DVM_AGENT_CA_FILE; without that CA the join is refused with the reason and
// the token stays valid. Real processes: the production server and a dvm-agent on a TCP port.
//
// Needs a prior `next build` and the Docker engine from scripts/with-test-env.sh.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '@/lib/testing/api-client';
import { freePort, PROJECT_ROOT } from '@/lib/testing/server-process';
import { requireService } from '@/lib/testing/test-env';

let root: string;
let cert: string;
let key: string;
const servers: ApiServer[] = [];
const agents: ChildProcess[] = [];

beforeAll(() => {
  requireService('docker');
  root = mkdtempSync(path.join(tmpdir(), 'dvm-tls-'));
  cert = path.join(root, 'cert.pem');
  key = path.join(root, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
});

afterAll(async () => {
  for (const agent of agents) agent.kill('SIGTERM');
  for (const server of servers) await server.stop();
  rmSync(root, { recursive: true, force: true });
}, 60_000);

/** Starts a TLS agent joining `api` as `name`; resolves with its exit code or undefined if it runs. */
async function tlsAgent(
  api: ApiServer,
  name: string,
): Promise<{ output: () => string; exited: Promise<number | null> }> {
  const created = await api.must('POST', '/api/v1/hosts', 201, { json: { name } });
  const { joinToken } = created.json<{ joinToken: string }>();
  const port = await freePort();
  const stateDir = mkdtempSync(path.join(root, `${name}-`));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(PROJECT_ROOT, 'agent', 'main.ts'),
      '--listen',
      `127.0.0.1:${port}`,
      '--advertise',
      `localhost:${port}`,
      '--state-dir',
      stateDir,
      '--tls-cert',
      cert,
      '--tls-key',
      key,
      '--join-token',
      joinToken,
      '--control-plane',
      api.baseUrl,
    ],
    { cwd: PROJECT_ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  agents.push(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { output: () => output, exited };
}

describe('an agent serving TLS', () => {
  it('joins a control plane that trusts its CA, and is dialled with TLS', async () => {
    const api = await startApiServer({ name: 'tls-ok', env: { DVM_AGENT_CA_FILE: cert } });
    servers.push(api);
    const agent = await tlsAgent(api, 'secure');
    const deadline = Date.now() + 30_000;
    let host: { spec: { address: string }; status: { status: string } } | undefined;
    while (Date.now() < deadline) {
      host = (await api.must('GET', '/api/v1/hosts/secure', 200)).json();
      if (host?.status.status === 'healthy') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(host?.status.status, agent.output()).toBe('healthy');
    expect(host?.spec.address).toMatch(/^tls:\/\/localhost:\d+$/);
  }, 90_000);

  it('is refused, with the reason, by a control plane that does not trust its certificate', async () => {
    const api = await startApiServer({ name: 'tls-untrusted' });
    servers.push(api);
    const agent = await tlsAgent(api, 'untrusted');
    expect(await agent.exited).toBe(1);
    expect(agent.output()).toMatch(/could not reach the agent at tls:\/\/localhost/);
    const host = (await api.must('GET', '/api/v1/hosts/untrusted', 200)).json<{
      status: { status: string };
    }>();
    expect(host.status.status).toBe('pending');
  }, 90_000);
});
