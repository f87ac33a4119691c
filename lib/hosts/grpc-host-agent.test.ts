// GrpcHostAgent against a real agent server (agent/grpc) on a unix socket, running the Docker
// runtime on the real private engine that scripts/with-test-env.sh starts.
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_PROTO_PATH,
  PROTO_LOADER_OPTIONS,
  hashCredential,
  startAgentServer,
  type AgentServer,
} from '../../agent/grpc/agent-service';
import { LABELS } from '../../agent/runtime/container-runtime';
import { DockerRuntime, dockerConnectionFor } from '../../agent/runtime/docker-runtime';
import { hasErrorCode, isAppError } from '../errors';
import { dockerConnection, requireBaseImage, requireService } from '../testing/test-env';
import { GrpcHostAgent } from './grpc-host-agent';
import type { WorkspaceSpec } from './host-agent';
import { rejection } from '../testing/rejection';

const run = `dvmh-${process.pid}-${Date.now().toString(36)}`;
const secret = `dvm_agent_${run}`;
const names: string[] = [];
const volumes: string[] = [];
let dir: string;
let root: string;
let image: string;
let docker: Docker;
let server: AgentServer;
let agent: GrpcHostAgent;

function spec(suffix: string, extra: Partial<WorkspaceSpec> = {}): WorkspaceSpec {
  const name = `${run}-${suffix}`;
  names.push(name);
  return {
    name,
    image,
    command: ['sh', '-c', 'while true; do sleep 1; done'],
    workspace: { ecosystem: 'eco', domain: 'dom', app: run, workspace: suffix },
    ...extra,
  };
}

beforeAll(async () => {
  const host = requireService('docker');
  image = requireBaseImage();
  docker = new Docker(dockerConnection());
  dir = mkdtempSync(path.join(tmpdir(), 'dvm-agent-'));
  root = path.join(dir, 'roots');
  mkdirSync(path.join(root, 'src'), { recursive: true });
  server = await startAgentServer({
    address: `unix://${path.join(dir, 'agent.sock')}`,
    credentialHash: hashCredential(secret),
    runtime: new DockerRuntime({
      connection: dockerConnectionFor(host),
      allowedMountRoots: [root],
    }),
    env: { DOCKER_HOST: host },
    fileExists: () => false,
  });
  agent = new GrpcHostAgent({ address: server.address, credential: secret });
});

afterAll(async () => {
  agent?.close();
  await server?.stop();
  for (const name of names) {
    await docker
      ?.getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
  }
  for (const volume of volumes) {
    await docker
      ?.getVolume(volume)
      .remove()
      .catch(() => undefined);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GrpcHostAgent ⇄ agent server', () => {
  it('reports the agent, its host and the platforms it found', async () => {
    const info = await agent.info();
    expect(info.agentVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.hostName).not.toBe('');
    expect(info.runtime).toBe('docker');
    expect(info.platforms).toEqual([
      {
        type: 'docker-host',
        name: `DOCKER_HOST (${requireService('docker')})`,
        socket: requireService('docker'),
        active: true,
      },
    ]);
    expect(info.builders).toEqual([]);
    expect(info.allowedRoots).toEqual([realpathSync(root)]);
    expect(info.engineReachable).toBe(true);
    expect(info.engineError).toBeUndefined();
    expect(info.capacity.cpus).toBeGreaterThan(0);
    expect(info.capacity.memoryBytes).toBeGreaterThan(64 * 1024 * 1024);
    expect(info.capacity.runningWorkspaces).toBeGreaterThanOrEqual(0);
  });

  it('carries user, limits and a git source spec, and removes with volumes and image', async () => {
    const volume = `${run}-src`;
    volumes.push(volume);
    const s = spec('wire', {
      user: '1000:1000',
      cpus: 0.5,
      memoryBytes: 128 * 1024 * 1024,
      // A URL git cannot clone: the spec crossed the wire whole when the clone is what fails.
      gitSource: {
        url: `file://${path.join(root, 'no-repo.git')}`,
        ref: 'main',
        volume,
        target: '/workspace',
      },
    });
    const refused = await rejection(agent.ensure(s));
    expect(hasErrorCode(refused, 'INVALID')).toBe(true);
    expect((refused as Error).message).toContain('no-repo.git');

    const { gitSource: _, ...plain } = s;
    await agent.ensure(plain);
    const info = await docker.getContainer(s.name).inspect();
    expect(info.Config.User).toBe('1000:1000');
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.Memory).toBe(134_217_728);

    await docker.createVolume({ Name: volume, Labels: { [LABELS.managed]: 'true' } });
    await agent.remove(s.name, { volumes: [volume], image: `dvm-test/${run}-none:latest` });
    expect((await agent.inspect(s.name)).state).toBe('missing');
    expect(
      await docker
        .getVolume(volume)
        .inspect()
        .then(
          () => true,
          () => false,
        ),
    ).toBe(false);
  });

  it('answers Build with UNIMPLEMENTED, saying why, on an agent started without a builder', async () => {
    const definition = protoLoader.loadSync(DEFAULT_PROTO_PATH, PROTO_LOADER_OPTIONS);
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      devopsmaestro: { agent: { v1: { Agent: grpc.ServiceClientConstructor } } };
    };
    const client = new loaded.devopsmaestro.agent.v1.Agent(
      server.address,
      grpc.credentials.createInsecure(),
    ) as unknown as grpc.Client & {
      Build(request: object, metadata: grpc.Metadata): grpc.ClientReadableStream<unknown>;
    };
    const status = (credential: string) =>
      new Promise<grpc.StatusObject>((resolve) => {
        const metadata = new grpc.Metadata();
        metadata.set('authorization', `Bearer ${credential}`);
        const call = client.Build({ image: 'x' }, metadata);
        call.on('data', () => undefined);
        call.on('error', () => undefined);
        call.on('status', resolve);
      });
    try {
      const built = await status(secret);
      expect(built.code).toBe(grpc.status.UNIMPLEMENTED);
      expect(built.details).toBe('This agent was started without an image builder.');
      expect(built.metadata.get('dvm-error-code')).toEqual(['NOT_IMPLEMENTED']);
      expect((await status('wrong')).code).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      client.close();
    }
  });

  it('runs a workspace container through its whole lifecycle', async () => {
    const s = spec('life', {
      labels: { 'example.com/team': 'a' },
      env: { GREETING: 'hi' },
      workingDir: '/workspace',
      mounts: [{ source: path.join(root, 'src'), target: '/workspace', readOnly: true }],
    });
    expect(await agent.inspect(s.name)).toEqual({
      name: s.name,
      id: '',
      state: 'missing',
      labels: {},
      image: '',
    });

    const created = await agent.ensure(s);
    expect(created).toMatchObject({ name: s.name, state: 'stopped', image });
    expect(created.id).not.toBe('');
    expect(created.labels).toMatchObject({
      'example.com/team': 'a',
      [LABELS.managed]: 'true',
      [LABELS.workspace]: `eco/dom/${run}/life`,
    });
    // Ensure again: the same container, not a new one.
    expect((await agent.ensure(s)).id).toBe(created.id);

    await agent.start(s.name);
    expect(await agent.inspect(s.name)).toMatchObject({ id: created.id, state: 'running' });

    const listed = await agent.list({ [LABELS.app]: run });
    expect(listed.map((c) => [c.name, c.state])).toEqual([[s.name, 'running']]);
    expect(await agent.list({ [LABELS.app]: `${run}-nobody` })).toEqual([]);

    await agent.stop(s.name, { timeoutSeconds: 1 });
    expect((await agent.inspect(s.name)).state).toBe('stopped');

    await agent.remove(s.name);
    expect((await agent.inspect(s.name)).state).toBe('missing');
    // Removing a missing container is not an error.
    await agent.remove(s.name);
  });

  it('refuses a wrong credential with UNAUTHENTICATED', async () => {
    const intruder = new GrpcHostAgent({ address: server.address, credential: 'not-the-secret' });
    try {
      const error = await rejection(intruder.info());
      expect(hasErrorCode(error, 'UNAUTHENTICATED')).toBe(true);
      expect(hasErrorCode(await rejection(intruder.inspect('x')), 'UNAUTHENTICATED')).toBe(true);
    } finally {
      intruder.close();
    }
  });

  it('carries INVALID and its field errors through the wire for a refused mount', async () => {
    const s = spec('escape', { mounts: [{ source: '/etc', target: '/host-etc' }] });
    const error = await rejection(agent.ensure(s));
    expect(hasErrorCode(error, 'INVALID')).toBe(true);
    if (!isAppError(error)) throw error;
    expect(error.message).toContain('outside the host');
    expect(error.errors).toEqual([{ path: 'mounts[0].source', message: expect.any(String) }]);
    expect((await agent.inspect(s.name)).state).toBe('missing');
  });

  it('fails fast with UNAVAILABLE, naming the address, when the agent cannot be reached', async () => {
    const address = `unix://${path.join(dir, 'nobody.sock')}`;
    const unreachable = new GrpcHostAgent({ address, credential: secret, deadlineMs: 500 });
    try {
      const started = Date.now();
      const error = await rejection(unreachable.info());
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toContain(address);
    } finally {
      unreachable.close();
    }
  });

  it('honours the deadline when the agent accepts but never answers', async () => {
    // A TCP listener that takes the connection and says nothing: only the deadline ends the call.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const unreachable = new GrpcHostAgent({ address, credential: secret, deadlineMs: 500 });
    try {
      const started = Date.now();
      const error = await rejection(unreachable.info());
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(450);
      expect(elapsed).toBeLessThan(2_000);
      expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toContain(address);
    } finally {
      unreachable.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
