// Reaching BuildKit: the engine's /grpc upgrade through our proxy, a standalone address (here the
// same engine BuildKit exposed as a plain h2c socket, which is what a buildkitd listens with), and
// the clear errors when the target is down, is not BuildKit, or is a buildkitd without an image
// store. A scripted buildkitd speaks the real Control protocol for the last case.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../../lib/errors';
import { rejection } from '../../../lib/testing/rejection';
import { dockerConnection, requireBaseImage } from '../../../lib/testing/test-env';
import { grpcTarget, openControl } from './connection';
import { startH2cProxy, type EngineAddress } from './h2c-proxy';
import { createBuildKitBuilder } from './index';
import { BUILDKIT_PROTO_DIR } from './protos';

const run = `${process.pid}-${Date.now().toString(36)}`;
let engine: EngineAddress;
let base: string;
let docker: Docker;
let scratch: string;
let context: string;
const tags: string[] = [];

beforeAll(() => {
  base = requireBaseImage();
  const connection = dockerConnection();
  docker = new Docker(connection);
  engine =
    'socketPath' in connection
      ? { socketPath: connection.socketPath }
      : { host: connection.host, port: connection.port };
  scratch = mkdtempSync(path.join(tmpdir(), 'dvm-bk-conn-'));
  context = path.join(scratch, 'ctx');
  mkdirSync(context);
  writeFileSync(path.join(context, 'a.txt'), 'a');
});

afterAll(async () => {
  for (const t of tags) {
    await docker
      .getImage(t)
      .remove({ force: true })
      .catch(() => undefined);
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const spec = (extra: { tags?: string[] } = {}) => ({
  dir: context,
  dockerfile: `FROM ${base}\nCOPY a.txt /a.txt\n`,
  tags: extra.tags ?? [],
});

describe('grpcTarget', () => {
  it('accepts unix:// and tcp:// addresses and refuses the rest', () => {
    expect(grpcTarget('unix:///run/buildkit/buildkitd.sock')).toBe(
      'unix:///run/buildkit/buildkitd.sock',
    );
    expect(grpcTarget('tcp://10.0.0.5:1234')).toBe('10.0.0.5:1234');
    expect(grpcTarget('tcp://[::1]:1234')).toBe('[::1]:1234');
    for (const bad of ['http://x:1', 'tcp://host', 'unix://relative', '']) {
      expect(() => grpcTarget(bad)).toThrow(/not unix:\/\/\/path or tcp:\/\/host:port/);
    }
    expect(() => createBuildKitBuilder({ address: 'buildkitd:1234' })).toThrow();
    let tls: unknown;
    try {
      createBuildKitBuilder({ docker: { host: 'engine', port: 2376, protocol: 'https' } });
    } catch (error) {
      tls = error;
    }
    expect(hasErrorCode(tls, 'NOT_IMPLEMENTED')).toBe(true);
  });
});

describe('the embedded BuildKit through the /grpc upgrade', () => {
  it('lists the engine worker; its private socket directory is 0700 and removed on close', async () => {
    const socketDir = path.join(scratch, 'sockets');
    mkdirSync(socketDir);
    // What a killed agent leaves behind is swept; a live process's directory is not.
    const deadPid = spawnSync('true').pid;
    mkdirSync(path.join(socketDir, `dvm-buildkit-${deadPid}-stale`));
    mkdirSync(path.join(socketDir, 'dvm-buildkit-1-live'));
    const connection = await openControl({ docker: engine }, socketDir);
    const made = readdirSync(socketDir).filter((name) =>
      name.startsWith(`dvm-buildkit-${process.pid}-`),
    );
    expect(readdirSync(socketDir).sort()).toEqual(['dvm-buildkit-1-live', ...made].sort());
    expect(made).toHaveLength(1);
    expect(statSync(path.join(socketDir, made[0]!)).mode & 0o777).toBe(0o700);
    const workers = await new Promise<{ record: { ID: string }[] }>((resolve, reject) =>
      connection.control.ListWorkers({ filter: [] }, { deadline: Date.now() + 5000 }, (e, r) =>
        e || !r ? reject(e) : resolve(r),
      ),
    );
    expect(workers.record.map((w) => w.ID)).toEqual(['moby']);
    expect(connection.embedded).toBe(true);
    await connection.close();
    expect(readdirSync(socketDir)).toEqual(['dvm-buildkit-1-live']);
  });

  it('builds through a standalone-style address (plain h2c gRPC on a socket), for a platform', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dvm-bk-standalone-'));
    const proxy = await startH2cProxy(engine, path.join(dir, 'buildkitd.sock'));
    try {
      const builder = createBuildKitBuilder({
        address: `unix://${proxy.socketPath}`,
        platform: 'linux/amd64',
      });
      const tag = `dvm-bk-test/standalone:${run}`;
      tags.push(tag);
      const outcome = await builder.build(spec({ tags: [tag] }), () => undefined);
      expect(outcome).toMatchObject({ status: 'succeeded', tags: [tag] });
    } finally {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('clear errors when BuildKit cannot be used', () => {
  it('UNAVAILABLE when the engine socket does not exist', async () => {
    const builder = createBuildKitBuilder({
      docker: { socketPath: path.join(scratch, 'no-such.sock') },
    });
    const error = await rejection(builder.build(spec(), () => undefined));
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toMatch(/no-such\.sock.*(ENOENT|refused)/);
  });

  it('UNAVAILABLE with the engine answer when it has no BuildKit endpoint', async () => {
    // An HTTP server that is not a Docker engine with BuildKit (e.g. an old or foreign API).
    const socketPath = path.join(scratch, 'not-buildkit.sock');
    const server = http.createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('page not found');
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const builder = createBuildKitBuilder({ docker: { socketPath } });
      const error = await rejection(builder.build(spec(), () => undefined));
      expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toContain(
        'the engine refused the BuildKit upgrade (POST /grpc): HTTP/1.1 404 Not Found: page not found',
      );
    } finally {
      server.close();
    }
  });

  it('UNAVAILABLE when nothing listens at a standalone address', async () => {
    const builder = createBuildKitBuilder({ address: `unix://${path.join(scratch, 'none.sock')}` });
    const error = await rejection(builder.build(spec(), () => undefined));
    expect(hasErrorCode(error, 'UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('buildkitd at unix://');
  });

  it('NOT_IMPLEMENTED, with the reason, for a buildkitd without an image store', async () => {
    // A scripted buildkitd: answers ListWorkers like a real one (an OCI worker); nothing else.
    const definition = protoLoader.loadSync('control.proto', {
      includeDirs: [BUILDKIT_PROTO_DIR],
      keepCase: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      moby: { buildkit: { v1: { Control: grpc.ServiceClientConstructor } } };
    };
    const server = new grpc.Server();
    let solves = 0;
    server.addService(loaded.moby.buildkit.v1.Control.service, {
      ListWorkers: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, {
          record: [
            {
              ID: 'x4x0fz0o2d2vnbmw6gd8g8alp',
              Labels: { 'org.mobyproject.buildkit.worker.executor': 'oci' },
              platforms: [{ OS: 'linux', Architecture: 'amd64' }],
            },
          ],
        }),
      Solve: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
        solves += 1;
        callback({ code: grpc.status.UNIMPLEMENTED });
      },
    });
    const socketPath = path.join(scratch, 'fake-buildkitd.sock');
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix://${socketPath}`, grpc.ServerCredentials.createInsecure(), (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    try {
      const builder = createBuildKitBuilder({ address: `unix://${socketPath}` });
      const error = await rejection(
        builder.build(spec({ tags: ['registry.example/x:1'] }), () => undefined),
      );
      expect(hasErrorCode(error, 'NOT_IMPLEMENTED')).toBe(true);
      expect((error as Error).message).toMatch(
        /no Docker image store.*registry.*not supported yet/,
      );
      expect(solves).toBe(0);
    } finally {
      server.forceShutdown();
    }
  });
});
