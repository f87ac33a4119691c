// The sending half of fsutil's DiffCopy protocol, served to BuildKit as
// `moby.filesync.v1.FileSync/DiffCopy` on a build session. BuildKit names the directory it wants
// (`dir-name` metadata: `context` or `dockerfile`) and may narrow it (`include-patterns`,
// `exclude-patterns`, `followpaths`). We send one STAT per entry in walk order and an empty STAT to
// end the list; BuildKit asks for the files whose stat changed since its last copy (REQ with the
// STAT's index) and we answer with DATA chunks and an empty DATA; FIN ends the exchange.
import { createReadStream } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { FileStat, Packet } from './protos';

/** What BuildKit asked for, from the call's metadata. Absent lists mean "no filter". */
export interface TransferFilter {
  includePatterns?: string[];
  excludePatterns?: string[];
  followPaths?: string[];
}

/** One entry to send: its stat, and for a regular file where its bytes come from. */
export interface SyncEntry {
  stat: FileStat;
  /** An absolute path to read, or the bytes themselves (a virtual file). */
  content?: string | Buffer;
}

/** A directory BuildKit may sync: entries in fsutil walk order, filtered as asked. */
export interface SyncSource {
  entries(filter: TransferFilter, signal: AbortSignal): AsyncIterable<SyncEntry>;
}

export type SyncLog = (msg: string, fields?: Record<string, unknown>) => void;

const CHUNK = 32 * 1024;
const SENDERS = 4;
/** Go os.ModeType: any of these bits means "not a regular file" (no data is ever requested). */
const GO_MODE_TYPE =
  (1 << 31) | (1 << 27) | (1 << 26) | (1 << 25) | (1 << 24) | (1 << 21) | (1 << 19);

/** True for a Go FileMode of a regular file (fsutil's fileCanRequestData). */
export function isRegularMode(mode: number): boolean {
  return (mode & GO_MODE_TYPE) === 0;
}

/**
 * A metadata list. Node's http2 joins repeated header values with ", ", so each value is split
 * again; a pattern that itself contains ", " cannot be told apart and is split too.
 */
export function metadataList(metadata: grpc.Metadata, key: string): string[] | undefined {
  const values = metadata.get(key);
  if (values.length === 0) return undefined;
  return values
    .flatMap((value) => (typeof value === 'string' ? value : value.toString('utf8')).split(', '))
    .filter((value) => value !== '');
}

export function transferFilter(metadata: grpc.Metadata): TransferFilter {
  return {
    includePatterns: metadataList(metadata, 'include-patterns'),
    excludePatterns: metadataList(metadata, 'exclude-patterns'),
    followPaths: metadataList(metadata, 'followpaths'),
  };
}

type Call = grpc.ServerDuplexStream<Packet, Packet>;

export function diffCopyHandler(
  sources: Record<string, SyncSource>,
  log?: SyncLog,
): grpc.handleBidiStreamingCall<Packet, Packet> {
  return (call) => {
    void serve(call, sources, log);
  };
}

async function serve(call: Call, sources: Record<string, SyncSource>, log?: SyncLog) {
  const dirName = metadataList(call.metadata, 'dir-name')?.[0] ?? '';
  const source = Object.hasOwn(sources, dirName) ? sources[dirName] : undefined;
  if (!source) {
    call.emit('error', {
      code: grpc.status.NOT_FOUND,
      details: `no access allowed to dir "${dirName}"`,
    });
    return;
  }
  const filter = transferFilter(call.metadata);
  const abort = new AbortController();
  const stop = () => abort.abort();
  call.once('cancelled', stop);
  call.once('error', stop);
  call.once('close', stop);

  const write = (packet: Packet) =>
    new Promise<void>((resolve, reject) => {
      if (abort.signal.aborted) {
        reject(new Error('the transfer was cancelled'));
        return;
      }
      if (call.write(packet)) {
        resolve();
        return;
      }
      const onDrain = () => {
        abort.signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        call.off('drain', onDrain);
        reject(new Error('the transfer was cancelled'));
      };
      call.once('drain', onDrain);
      abort.signal.addEventListener('abort', onAbort, { once: true });
    });

  const files = new Map<number, SyncEntry>();
  const queue: number[] = [];
  let finished = false;
  let failed: Error | undefined;
  let sentBytes = 0;
  const started = Date.now();

  const fail = (error: Error) => {
    if (failed || abort.signal.aborted) return;
    failed = error;
    log?.('file sync failed', { dir: dirName, error: error.message });
    call.write({ type: 'PACKET_ERR', data: Buffer.from(error.message) });
    call.emit('error', { code: grpc.status.UNKNOWN, details: error.message });
    abort.abort();
  };

  async function sendFile(id: number) {
    const entry = files.get(id);
    files.delete(id);
    if (!entry) throw new Error(`invalid file id ${id}`);
    const { content } = entry;
    if (Buffer.isBuffer(content)) {
      for (let at = 0; at < content.length; at += CHUNK) {
        await write({ type: 'PACKET_DATA', ID: id, data: content.subarray(at, at + CHUNK) });
      }
      sentBytes += content.length;
    } else if (content !== undefined) {
      // A file that vanished since its STAT is sent empty, as fsutil does.
      try {
        for await (const chunk of createReadStream(content, {
          highWaterMark: CHUNK,
          signal: abort.signal,
        })) {
          await write({ type: 'PACKET_DATA', ID: id, data: chunk as Buffer });
          sentBytes += (chunk as Buffer).length;
        }
      } catch (error) {
        if (abort.signal.aborted) throw error;
        log?.('file sync: unreadable file sent empty', {
          path: entry.stat.path,
          error: (error as Error).message,
        });
      }
    }
    await write({ type: 'PACKET_DATA', ID: id });
  }

  const waiters: (() => void)[] = [];
  const wakeAll = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  abort.signal.addEventListener('abort', wakeAll, { once: true });

  // Several senders overlap file opens and reads, as fsutil's do; DATA packets carry their ID.
  async function sender() {
    for (;;) {
      if (abort.signal.aborted) return;
      const id = queue.shift();
      if (id !== undefined) {
        await sendFile(id);
        continue;
      }
      if (finished) return;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }
  const senders = Promise.all(Array.from({ length: SENDERS }, () => sender())).then(
    () => undefined,
    (error: Error) => fail(error),
  );

  let fin: (() => void) | undefined;
  const finReceived = new Promise<void>((resolve) => (fin = resolve));
  call.on('data', (packet: Packet) => {
    switch (packet.type) {
      case 'PACKET_REQ':
        queue.push(packet.ID ?? 0);
        wakeAll();
        break;
      case 'PACKET_FIN':
        fin?.();
        break;
      case 'PACKET_ERR':
        fail(new Error(`error from BuildKit: ${packet.data?.toString('utf8') ?? ''}`));
        break;
      default:
        break;
    }
  });
  call.on('end', () => fin?.());

  try {
    let index = 0;
    for await (const entry of source.entries(filter, abort.signal)) {
      if (entry.content !== undefined && isRegularMode(entry.stat.mode)) files.set(index, entry);
      index += 1;
      await write({ type: 'PACKET_STAT', stat: entry.stat });
    }
    await write({ type: 'PACKET_STAT' });
    await Promise.race([
      finReceived,
      new Promise((resolve) => abort.signal.addEventListener('abort', resolve, { once: true })),
    ]);
    finished = true;
    wakeAll();
    await senders;
    if (abort.signal.aborted) return;
    await write({ type: 'PACKET_FIN' });
    call.end();
    log?.('file sync done', {
      dir: dirName,
      entries: index,
      sentBytes,
      ms: Date.now() - started,
    });
  } catch (error) {
    finished = true;
    wakeAll();
    fail(error instanceof Error ? error : new Error(String(error)));
  }
}
