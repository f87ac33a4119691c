// The sending half of DiffCopy against a scripted receiver that speaks fsutil's protocol the way
// BuildKit does: metadata naming the directory, STATs until an empty one, REQ by STAT index,
// DATA chunks and an empty DATA per file, then the FIN handshake.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { virtualSource } from './context-source';
import { diffCopyHandler, metadataList, type SyncSource } from './file-sync';
import { sessionServices, type Packet } from './protos';

let dir: string;
let server: grpc.Server;
let client: grpc.Client;
const big = Buffer.alloc(70 * 1024, 7);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'dvm-filesync-'));
  const failing: SyncSource = {
    // eslint-disable-next-line require-yield
    async *entries() {
      throw new Error('disk on fire');
    },
  };
  server = new grpc.Server();
  server.addService(sessionServices().fileSync, {
    DiffCopy: diffCopyHandler({
      context: virtualSource({
        'a.txt': Buffer.from('hello'),
        'big.bin': big,
        empty: Buffer.alloc(0),
      }),
      broken: failing,
    }),
  });
  const address = `unix://${path.join(dir, 'fs.sock')}`;
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (e) =>
      e ? reject(e) : resolve(),
    ),
  );
  client = new grpc.Client(address, grpc.credentials.createInsecure());
});

afterAll(() => {
  client?.close();
  server?.forceShutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function diffCopy(metadata: Record<string, string>) {
  const { fileSync } = sessionServices();
  const method = fileSync.DiffCopy as grpc.MethodDefinition<Packet, Packet>;
  const md = new grpc.Metadata();
  for (const [key, value] of Object.entries(metadata)) md.set(key, value);
  return client.makeBidiStreamRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    md,
  );
}

describe('DiffCopy sender', () => {
  it('sends stats, answers requests in 32 KiB chunks with an empty DATA at the end, then FIN', async () => {
    const call = diffCopy({ 'dir-name': 'context' });
    const stats: string[] = [];
    const data = new Map<number, Buffer[]>();
    const eof = new Set<number>();
    const done = new Promise<string>((resolve, reject) => {
      call.on('data', (packet: Packet) => {
        if (packet.type === 'PACKET_STAT') {
          if (packet.stat) stats.push(packet.stat.path);
          else {
            // End of the list: ask for a.txt (0) and big.bin (1), as BuildKit would.
            call.write({ type: 'PACKET_REQ', ID: 0 });
            call.write({ type: 'PACKET_REQ', ID: 1 });
          }
        } else if (packet.type === 'PACKET_DATA') {
          const id = packet.ID ?? 0;
          if (packet.data && packet.data.length > 0) {
            data.set(id, [...(data.get(id) ?? []), packet.data]);
          } else {
            eof.add(id);
            if (eof.size === 2) call.write({ type: 'PACKET_FIN' });
          }
        } else if (packet.type === 'PACKET_FIN') {
          call.end();
          resolve('fin');
        }
      });
      call.on('error', reject);
    });
    expect(await done).toBe('fin');
    expect(stats).toEqual(['a.txt', 'big.bin', 'empty']);
    expect(Buffer.concat(data.get(0) ?? []).toString()).toBe('hello');
    expect(data.get(1)?.map((chunk) => chunk.length)).toEqual([32768, 32768, 6144]);
    expect(Buffer.concat(data.get(1) ?? []).equals(big)).toBe(true);
  });

  it('answers NOT_FOUND for a directory the session does not offer', async () => {
    const call = diffCopy({ 'dir-name': 'secrets' });
    const error = await new Promise<grpc.ServiceError>((resolve) => {
      call.on('error', resolve);
      call.on('data', () => undefined);
    });
    expect(error.code).toBe(grpc.status.NOT_FOUND);
    expect(error.details).toContain('"secrets"');
  });

  it('reports a failing walk to the receiver as PACKET_ERR and an error status', async () => {
    const call = diffCopy({ 'dir-name': 'broken' });
    const packets: Packet[] = [];
    const error = await new Promise<grpc.ServiceError>((resolve) => {
      call.on('error', resolve);
      call.on('data', (packet: Packet) => packets.push(packet));
    });
    expect(packets.map((p) => [p.type, p.data?.toString()])).toEqual([
      ['PACKET_ERR', 'disk on fire'],
    ]);
    expect(error.details).toBe('disk on fire');
  });
});

describe('metadataList', () => {
  it('splits values Node http2 joined with ", "', () => {
    const md = new grpc.Metadata();
    md.set('followpaths', 'Dockerfile, Dockerfile.dockerignore, dockerfile');
    md.add('exclude-patterns', 'a');
    md.add('exclude-patterns', 'b, c');
    expect(metadataList(md, 'followpaths')).toEqual([
      'Dockerfile',
      'Dockerfile.dockerignore',
      'dockerfile',
    ]);
    expect(metadataList(md, 'exclude-patterns')).toEqual(['a', 'b', 'c']);
    expect(metadataList(md, 'include-patterns')).toBeUndefined();
  });
});
