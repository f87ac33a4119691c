// dvm-agent joining a control plane, as separate processes. The control plane here is a double at
// the network boundary implementing the documented endpoint (POST /api/v1/hosts/join): it checks
// the body, dials the advertised address with the credential (as the real one does before it
// accepts), then answers 200 {"host": …} — or a 401 problem+json, which makes the agent exit 1.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcHostAgent } from '../../lib/hosts/grpc-host-agent';
import type { AgentInfo } from '../../lib/hosts/host-agent';
import { requireService } from '../../lib/testing/test-env';
import { hashCredential } from '../grpc/agent-service';
import { spawnAgent, type AgentProcess } from '../testing/agent-process';

const TOKEN = `dvmj_${'t'.repeat(43)}`;
const agents: AgentProcess[] = [];
let dir: string;
let dockerHost: string;

interface Joined {
  body: { token?: string; address?: string; credential?: string };
  info?: AgentInfo;
  infoError?: string;
}

/** The control plane's join endpoint, answering with `answer` once it has called the agent back. */
async function controlPlane(answer: (joined: Joined) => [number, object]) {
  const joins: Joined[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      void (async () => {
        if (request.method !== 'POST' || request.url !== '/api/v1/hosts/join') {
          response.writeHead(404).end();
          return;
        }
        const joined: Joined = { body: JSON.parse(raw) as Joined['body'] };
        joins.push(joined);
        const { address, credential } = joined.body;
        if (address && credential) {
          const agent = new GrpcHostAgent({ address, credential, deadlineMs: 5000 });
          try {
            joined.info = await agent.info();
          } catch (error) {
            joined.infoError = (error as Error).message;
          } finally {
            agent.close();
          }
        }
        const [status, body] = answer(joined);
        response
          .writeHead(status, {
            'content-type': status === 200 ? 'application/json' : 'application/problem+json',
          })
          .end(JSON.stringify(body));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    joins,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function start(args: string[]): AgentProcess {
  const agent = spawnAgent(args, { HOME: dir, DOCKER_HOST: dockerHost });
  agents.push(agent);
  return agent;
}

beforeAll(() => {
  dockerHost = requireService('docker');
  dir = mkdtempSync(path.join(tmpdir(), 'dvm-join-'));
});

afterAll(async () => {
  for (const agent of agents) await agent.stop('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dvm-agent --join-token', () => {
  it('joins once it listens, keeps only the hash, and does not send a used token again', async () => {
    const cp = await controlPlane((joined) =>
      joined.info && joined.body.token === TOKEN ? [200, { host: 'build-1' }] : [500, {}],
    );
    try {
      const state = path.join(dir, 'ok');
      const address = `unix://${path.join(state, 'agent.sock')}`;
      const args = ['--state-dir', state, '--join-token', TOKEN, '--control-plane', `${cp.url}/`];
      const agent = start(args);
      const joined = await agent.waitFor('joined');
      expect(joined).toMatchObject({ level: 'info', host: 'build-1', address });

      expect(cp.joins).toHaveLength(1);
      const [{ body, info, infoError }] = cp.joins as [Joined];
      expect(infoError).toBeUndefined();
      expect(info).toMatchObject({ runtime: 'docker', engineReachable: true });
      expect(body.address).toBe(address);
      expect(body.credential).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const hashFile = path.join(state, 'credential.sha256');
      expect(readFileSync(hashFile, 'utf8').trim()).toBe(hashCredential(body.credential!));
      expect(statSync(hashFile).mode & 0o777).toBe(0o600);
      expect(agent.stdout()).not.toContain(body.credential!);
      expect(agent.stdout()).not.toContain(TOKEN);
      expect(await agent.stop()).toBe(0);

      // Restarted with the same configuration (a supervisor's unit file still has the token):
      // the token is spent, so the agent serves with the credential it joined with.
      const again = start(args);
      await again.waitFor('listening');
      expect(again.lines()[0]).toMatchObject({
        msg: 'already joined with this token; serving with the stored credential',
        host: 'build-1',
      });
      const client = new GrpcHostAgent({ address, credential: body.credential!, deadlineMs: 5000 });
      try {
        expect((await client.info()).runtime).toBe('docker');
      } finally {
        client.close();
      }
      expect(cp.joins).toHaveLength(1);
      expect(await again.stop()).toBe(0);
    } finally {
      await cp.close();
    }
  });

  it('exits 1 with the problem detail when the control plane refuses, keeping no hash', async () => {
    const detail = 'The join token is not valid: it is wrong, was used already or has expired.';
    const cp = await controlPlane(() => [
      401,
      { type: 'about:blank', title: 'Unauthorized', status: 401, detail, code: 'UNAUTHENTICATED' },
    ]);
    try {
      const state = path.join(dir, 'refused');
      const agent = start([
        '--state-dir',
        state,
        '--join-token',
        TOKEN,
        '--control-plane',
        cp.url,
        '--advertise',
        `unix://${path.join(state, 'agent.sock')}`,
      ]);
      expect(await agent.exited).toBe(1);
      const failure = agent.lines().find((l) => l.msg === 'the join failed');
      expect(failure).toMatchObject({ level: 'error', status: 401, detail });
      expect(existsSync(path.join(state, 'credential.sha256'))).toBe(false);
      expect(existsSync(path.join(state, 'agent.sock'))).toBe(false);
      expect(agent.stdout()).not.toContain(TOKEN);
    } finally {
      await cp.close();
    }
  });

  it('exits 1 when the control plane cannot be reached', async () => {
    const state = path.join(dir, 'unreachable');
    const agent = start([
      '--state-dir',
      state,
      '--join-token',
      TOKEN,
      '--control-plane',
      'http://127.0.0.1:9',
    ]);
    expect(await agent.exited).toBe(1);
    const failure = agent.lines().find((l) => l.msg === 'the join failed');
    expect(String(failure?.error)).toContain(
      'Cannot reach the control plane at http://127.0.0.1:9',
    );
    expect(existsSync(path.join(state, 'credential.sha256'))).toBe(false);
  });
});
