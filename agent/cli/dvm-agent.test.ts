// dvm-agent as a separate process on real sockets against the real engine: it logs "listening",
// serves the control plane's client with the right credential only, refuses bad configuration
// with exit 2, takes over a stale socket but never a live one, serves TLS, and stops on SIGTERM
// with exit 0 while workspace containers keep running.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../lib/errors';
import { GrpcHostAgent } from '../../lib/hosts/grpc-host-agent';
import { rejection } from '../../lib/testing/rejection';
import { dockerConnection, requireBaseImage, requireService } from '../../lib/testing/test-env';
import { hashCredential } from '../grpc/agent-service';
import { spawnAgent, type AgentProcess } from '../testing/agent-process';

const run = `dvma-${process.pid}-${Date.now().toString(36)}`;
const credential = `dvm_agent_${run}_0123456789abcdef`;
const KEEP_ALIVE = [
  '/bin/sh',
  '-c',
  "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
];
const agents: AgentProcess[] = [];
const clients: GrpcHostAgent[] = [];
const names: string[] = [];
let dir: string;
let dockerHost: string;
let image: string;
let docker: Docker;

function stateDir(name: string): string {
  const state = path.join(dir, name);
  return state;
}

function withHashFile(name: string): string {
  const state = stateDir(name);
  execFileSync('mkdir', ['-p', '-m', '0700', state]);
  writeFileSync(path.join(state, 'credential.sha256'), `${hashCredential(credential)}\n`, {
    mode: 0o600,
  });
  return state;
}

function start(args: string[], env: Record<string, string> = {}): AgentProcess {
  const agent = spawnAgent(args, { HOME: dir, DOCKER_HOST: dockerHost, ...env });
  agents.push(agent);
  return agent;
}

function client(address: string, secret = credential, tls?: { ca: Buffer }): GrpcHostAgent {
  const agent = new GrpcHostAgent({
    address,
    credential: secret,
    deadlineMs: 5000,
    ...(tls && { tls }),
  });
  clients.push(agent);
  return agent;
}

beforeAll(() => {
  dockerHost = requireService('docker');
  image = requireBaseImage();
  docker = new Docker(dockerConnection());
  dir = mkdtempSync(path.join(tmpdir(), 'dvm-cli-'));
});

afterAll(async () => {
  for (const c of clients) c.close();
  for (const agent of agents) await agent.stop('SIGKILL');
  for (const name of names) {
    await docker
      ?.getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dvm-agent', () => {
  it('serves with a credential hash file, and stops on SIGTERM leaving workspaces running', async () => {
    const state = withHashFile('main');
    const roots = path.join(dir, 'roots');
    execFileSync('mkdir', ['-p', roots]);
    const agent = start(['--state-dir', state, '--allowed-roots', roots]);
    const listening = await agent.waitFor('listening');
    const address = `unix://${path.join(state, 'agent.sock')}`;
    expect(listening).toMatchObject({
      level: 'info',
      address,
      runtime: 'docker',
      engine: dockerHost,
      allowedRoots: [roots],
      tls: false,
    });
    expect(typeof listening.time).toBe('string');

    const info = await client(address).info();
    expect(info).toMatchObject({ runtime: 'docker', allowedRoots: [roots], engineReachable: true });
    // The agent serves builds: the Docker API always, BuildKit because this engine has it.
    expect(info.builders).toEqual(['docker-api', 'buildkit']);
    const wrong = await rejection(client(address, 'not-the-credential').info());
    expect(hasErrorCode(wrong, 'UNAUTHENTICATED')).toBe(true);

    const name = `${run}-kept`;
    names.push(name);
    const agentClient = client(address);
    await agentClient.ensure({
      name,
      image,
      command: KEEP_ALIVE,
      workspace: { ecosystem: 'eco', domain: 'dom', app: run, workspace: 'kept' },
    });
    await agentClient.start(name);

    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(agent.lines().map((l) => l.msg)).toEqual(['listening', 'stopping', 'stopped']);
    expect(existsSync(path.join(state, 'agent.sock'))).toBe(false);
    expect((await docker.getContainer(name).inspect()).State.Running).toBe(true);
  });

  it('creates its state directory private, and needs a join token or a hash file', async () => {
    const state = path.join(dir, 'fresh', 'state');
    const agent = start(['--state-dir', state]);
    expect(await agent.exited).toBe(2);
    expect(statSync(state).mode & 0o777).toBe(0o700);
    expect(agent.stderr()).toContain('no credential');
    expect(agent.stderr()).toContain('--join-token');
    expect(agent.stderr()).toContain('--credential-hash-file');

    writeFileSync(path.join(state, 'credential.sha256'), 'not a hash\n');
    const invalid = start(['--state-dir', state]);
    expect(await invalid.exited).toBe(2);
    expect(invalid.stderr()).toContain('does not hold a hex SHA-256');
  });

  it.each([
    [['--allowed-roots', 'relative/path'], {}, 'absolute paths separated by ":"'],
    [[], { DVM_ALLOWED_PATHS: '/ok:not-absolute' }, 'DVM_ALLOWED_PATHS'],
    [['--runtime', 'containerd'], {}, 'the containerd runtime is not implemented yet; use docker'],
    [['--tls-cert', '/etc/hostname'], {}, 'TLS needs both'],
    [['--listen', 'nowhere'], {}, 'neither unix:///absolute/path.sock nor host:port'],
    [['--frobnicate'], {}, 'unknown option --frobnicate'],
    [[], { DVM_PLATFORM: 'vmware' }, 'DVM_PLATFORM "vmware"'],
  ])('exits 2 on bad configuration %j %j', async (args, env, message) => {
    const agent = start(args, env);
    expect(await agent.exited).toBe(2);
    expect(agent.stderr()).toContain(message);
    expect(agent.stdout()).toBe('');
  });

  it('prints its options with --help', async () => {
    const agent = start(['--help']);
    expect(await agent.exited).toBe(0);
    for (const flag of [
      '--listen',
      '--state-dir',
      '--credential-hash-file',
      '--join-token',
      '--control-plane',
      '--advertise',
      '--allowed-roots',
      '--runtime',
      '--tls-cert',
      '--tls-key',
    ]) {
      expect(agent.stdout()).toContain(flag);
    }
    for (const variable of [
      'DVM_AGENT_LISTEN',
      'DVM_AGENT_STATE_DIR',
      'DVM_AGENT_CREDENTIAL_HASH_FILE',
      'DVM_AGENT_JOIN_TOKEN',
      'DVM_CONTROL_PLANE_URL',
      'DVM_AGENT_ADVERTISE',
      'DVM_ALLOWED_PATHS',
      'DVM_AGENT_RUNTIME',
      'DVM_AGENT_TLS_CERT',
      'DVM_AGENT_TLS_KEY',
    ]) {
      expect(agent.stdout()).toContain(variable);
    }
  });

  it('replaces a stale socket, and refuses one a live agent serves', async () => {
    const state = withHashFile('socket');
    const socket = path.join(state, 'agent.sock');
    // A process that dies without cleaning up leaves its socket file behind.
    const dead = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    await new Promise((resolve) => dead.once('exit', resolve));
    expect(statSync(socket).isSocket()).toBe(true);

    const first = start(['--state-dir', state]);
    await first.waitFor('listening');
    expect(first.lines().map((l) => l.msg)).toEqual([
      'removed a stale socket left by an earlier agent',
      'listening',
    ]);

    const second = start(['--state-dir', state]);
    expect(await second.exited).toBe(1);
    const [line] = second.lines();
    expect(line).toMatchObject({ level: 'error', msg: 'cannot listen' });
    expect(String(line?.error)).toContain('already serving');
    expect((await client(`unix://${socket}`).info()).runtime).toBe('docker');
    expect(await first.stop()).toBe(0);
  });

  it('serves TLS with --tls-cert and --tls-key, and a TCP port of its choosing', async () => {
    const state = withHashFile('tls');
    const cert = path.join(state, 'cert.pem');
    const key = path.join(state, 'key.pem');
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
    const agent = start([
      '--state-dir',
      state,
      '--listen',
      '127.0.0.1:0',
      '--tls-cert',
      cert,
      '--tls-key',
      key,
    ]);
    const listening = await agent.waitFor('listening');
    expect(listening.tls).toBe(true);
    const address = String(listening.address);
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(address).not.toBe('127.0.0.1:0');

    // Dialled by name: the certificate is for localhost (TLS server names are never IPs).
    const byName = address.replace('127.0.0.1', 'localhost');
    const info = await client(byName, credential, { ca: readFileSync(cert) }).info();
    expect(info.runtime).toBe('docker');
    // A plaintext client gets nowhere with a TLS agent.
    const plain = new GrpcHostAgent({ address, credential, deadlineMs: 1000 });
    clients.push(plain);
    expect(hasErrorCode(await rejection(plain.info()), 'UNAVAILABLE')).toBe(true);
    expect(await agent.stop('SIGINT')).toBe(0);
  });
});
