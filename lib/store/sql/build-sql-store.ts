// The builds half of the DataStore over SQL (see build-store.ts for the contract). Ids are UUIDv7,
// so "newest first" is `id desc` and the keyset cursor is the last id. Every status change is one
// conditional UPDATE (`where status in (…)`), so of two racing finishers exactly one sees a row.
import { type Column, type SQL, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';

import { AppError, invalid } from '../../errors';
import {
  BUILD_LOG_LIMIT_BYTES,
  BUILD_STATUSES,
  type BuildEvent,
  type BuildEventType,
  type BuildFailure,
  type BuildProgressBatch,
  type BuildRecord,
  type BuildResult,
  type BuildStatus,
  type BuildStep,
  type BuildStore,
  type NewBuild,
  type NewBuildEvent,
  type ReadEventsOptions,
} from '../build-store';
import { decodeCursor, encodeCursor } from '../cursor';
import type { JsonObject, ListOptions, Page } from '../data-store';
import type { Row, SqlExecutor } from './sql-driver';
import { SqlPart, assignments, insertInto, oneOf, pageLimit } from './sql-part';

const EVENT_TYPES: readonly BuildEventType[] = ['status', 'prepared', 'step', 'log'];
const UNFINISHED: readonly BuildStatus[] = ['queued', 'running'];
/** Rows per INSERT: far below SQLite's bound-parameter limit. */
const INSERT_CHUNK = 500;
const DEFAULT_EVENT_PAGE = 500;
const MAX_EVENT_PAGE = 5000;
/** Lines kept as a failure's `lastLines` when the store writes the failure itself. */
const LAST_LINES = 20;

const TRUNCATION_NOTE = `\n[dvm] The log reached ${BUILD_LOG_LIMIT_BYTES / 1024 / 1024} MiB; later output was dropped (steps and the outcome are still recorded).\n`;

function describeBuild(id: string): string {
  return `build "${id}"`;
}

function parseJson<T>(value: unknown): T | undefined {
  if (value === null || value === undefined) return undefined;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

function requiredText(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(`${path} is required.`, [{ path, message: 'must be a non-empty string' }]);
  }
  return value;
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `bytes`, never splitting a character. */
function utf8Prefix(text: string, bytes: number): string {
  const encoded = Buffer.from(text, 'utf8');
  if (encoded.length <= bytes) return text;
  let end = bytes;
  // Back up over continuation bytes (10xxxxxx) to the start of a character.
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end--;
  return encoded.subarray(0, end).toString('utf8');
}

/** The last `count` non-empty lines of log texts given in order. */
export function lastLinesOf(texts: readonly string[], count = LAST_LINES): string[] {
  const lines = texts
    .join('')
    .split(/\r?\n|\r/)
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
  return lines.slice(-count);
}

export class SqlBuildStore extends SqlPart implements BuildStore {
  private get t() {
    return this.dialect.builds.builds;
  }

  private get e() {
    return this.dialect.builds.buildEvents;
  }

  async create(build: NewBuild): Promise<BuildRecord> {
    const t = this.t;
    const w = this.dialect.levels.workspace;
    const host = requiredText(build.host, 'host');
    const requestedBy = requiredText(build.requestedBy, 'requestedBy');
    const id = uuidv7();
    const now = this.time(new Date());
    return this.host.atomically(async (ex) => {
      const [workspace] = await ex.all(
        sql`select ${w.id} as id from ${w.table} where ${w.id} = ${build.workspaceId}`,
      );
      if (!workspace) throw new AppError('NOT_FOUND', 'The workspace no longer exists.');
      await ex.run(
        insertInto(t, [
          [t.id, id],
          [t.workspaceId, build.workspaceId],
          [t.host, host],
          [t.status, 'queued'],
          [t.requestedBuilder, build.requestedBuilder ?? null],
          [t.noCache, this.dialect.encodeBool(build.noCache ?? false)],
          [t.requestedBy, requestedBy],
          [t.requestedById, build.requestedById ?? null],
          [t.request, JSON.stringify(build.request)],
          [t.createdAt, now],
          [t.updatedAt, now],
        ]),
      );
      const [record] = await this.select(sql`${t.id} = ${id}`, sql``, ex);
      return record!;
    });
  }

  async get(id: string): Promise<BuildRecord> {
    const found = await this.find(id);
    if (!found) throw new AppError('NOT_FOUND', `${describeBuild(id)} not found.`);
    return found;
  }

  async find(id: string): Promise<BuildRecord | undefined> {
    if (typeof id !== 'string' || id === '') return undefined;
    const [record] = await this.select(sql`${this.t.id} = ${id}`);
    return record;
  }

  async listForWorkspace(
    workspaceId: string,
    options: ListOptions = {},
  ): Promise<Page<BuildRecord>> {
    const t = this.t;
    const limit = pageLimit(options);
    const conditions: SQL[] = [sql`${t.workspaceId} = ${workspaceId}`];
    if (options.cursor !== undefined)
      conditions.push(sql`${t.id} < ${decodeCursor(options.cursor)}`);
    const records = await this.select(
      sql.join(conditions, sql` and `),
      sql`order by ${t.id} desc limit ${limit + 1}`,
    );
    const items = records.slice(0, limit);
    return records.length > limit
      ? { items, nextCursor: encodeCursor(items[items.length - 1]!.id) }
      : { items };
  }

  async latestSucceeded(workspaceId: string): Promise<BuildRecord | undefined> {
    const t = this.t;
    const [record] = await this.select(
      sql`${t.workspaceId} = ${workspaceId} and ${t.status} = 'succeeded'`,
      sql`order by ${t.id} desc limit 1`,
    );
    return record;
  }

  async hostsWithQueued(): Promise<string[]> {
    const t = this.t;
    const rows = await this.all(
      sql`select distinct ${t.host} as host from ${t} where ${t.status} = 'queued' order by ${t.host}`,
    );
    return rows.map((row) => String(row.host));
  }

  async claimQueued(
    host: string,
    limit: number,
    runner: string,
    at: Date = new Date(),
  ): Promise<BuildRecord[]> {
    const t = this.t;
    const h = this.dialect.hosts.hosts;
    requiredText(runner, 'runner');
    if (!Number.isInteger(limit) || limit < 1) {
      throw invalid('The limit must be a whole number of at least 1.', [
        { path: 'limit', message: 'must be at least 1' },
      ]);
    }
    const now = this.time(at);
    return this.host.atomically(async (ex) => {
      // Claims for one host queue up behind this lock on PostgreSQL (SQLite's write transactions
      // are serialised already), so two runners cannot both see the same free slots.
      await ex.all(sql`select ${h.id} from ${h} where ${h.name} = ${host} ${this.dialect.rowLock}`);
      const [count] = await ex.all(
        sql`select count(*) as n from ${t} where ${t.host} = ${host} and ${t.status} = 'running'`,
      );
      const free = limit - Number(count?.n ?? 0);
      if (free <= 0) return [];
      const queued = await ex.all(sql`
        select ${t.id} as id from ${t} where ${t.host} = ${host} and ${t.status} = 'queued'
        order by ${t.id} limit ${free}`);
      if (queued.length === 0) return [];
      const ids = queued.map((row) => String(row.id));
      const inIds = sql`${t.id} in (${sql.join(
        ids.map((id) => sql`${id}`),
        sql`, `,
      )})`;
      await ex.run(sql`
        update ${t} set ${assignments([
          [t.status, 'running'],
          [t.runner, runner],
          [t.startedAt, now],
          [t.heartbeatAt, now],
          [t.updatedAt, now],
        ])}
        where ${inIds} and ${t.status} = 'queued'`);
      return this.select(sql`${inIds} and ${t.runner} = ${runner}`, sql`order by ${t.id}`, ex);
    });
  }

  async appendEvents(id: string, batch: BuildProgressBatch): Promise<{ lastSeq: number }> {
    const t = this.t;
    const e = this.e;
    for (const event of batch.events) oneOf(event.type, EVENT_TYPES, 'type');
    const now = new Date();
    return this.host.atomically(async (ex) => {
      const [row] = await ex.all(sql`
        select ${t.lastSeq} as last_seq, ${t.logBytes} as log_bytes, ${t.logTruncated} as log_truncated
        from ${t} where ${t.id} = ${id} ${this.dialect.rowLock}`);
      if (!row) throw new AppError('NOT_FOUND', `${describeBuild(id)} not found.`);
      let seq = Number(row.last_seq);
      let logBytes = Number(row.log_bytes);
      let truncated = row.log_truncated === true || Number(row.log_truncated) === 1;

      const kept: NewBuildEvent[] = [];
      for (const event of batch.events) {
        if (event.type !== 'log') {
          kept.push(event);
          continue;
        }
        if (truncated) continue;
        const text = typeof event.data.text === 'string' ? event.data.text : '';
        const size = Buffer.byteLength(text, 'utf8');
        if (logBytes + size <= BUILD_LOG_LIMIT_BYTES) {
          kept.push(event);
          logBytes += size;
          continue;
        }
        const head = utf8Prefix(text, BUILD_LOG_LIMIT_BYTES - logBytes);
        if (head !== '') kept.push({ ...event, data: { ...event.data, text: head } });
        logBytes += Buffer.byteLength(head, 'utf8');
        kept.push({
          type: 'log',
          data: { stream: 'stderr', text: TRUNCATION_NOTE, note: true },
          ...(event.at && { at: event.at }),
        });
        truncated = true;
      }

      const rows = kept.map((event): [Column, unknown][] => [
        [e.buildId, id],
        [e.seq, ++seq],
        [e.type, event.type],
        [e.data, JSON.stringify(event.data)],
        [e.at, this.time(event.at ?? now)],
      ]);
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        await ex.run(sql`
          insert into ${e} (${sql.join(
            chunk[0]!.map(([column]) => sql.identifier(column.name)),
            sql`, `,
          )}) values ${sql.join(
            chunk.map(
              (pairs) =>
                sql`(${sql.join(
                  pairs.map(([, value]) => sql`${value}`),
                  sql`, `,
                )})`,
            ),
            sql`, `,
          )}`);
      }

      const pairs: [Column, unknown][] = [
        [t.lastSeq, seq],
        [t.logBytes, logBytes],
        [t.logTruncated, this.dialect.encodeBool(truncated)],
        [t.updatedAt, this.time(now)],
      ];
      if (batch.steps !== undefined) pairs.push([t.steps, JSON.stringify(batch.steps)]);
      const prepared = batch.prepared;
      if (prepared !== undefined) {
        pairs.push(
          [t.builder, prepared.builder],
          [t.dockerfile, prepared.dockerfile],
          [t.tag, prepared.tag],
          [t.inputsHash, prepared.inputsHash],
          [t.baseImage, JSON.stringify(prepared.baseImage)],
          [t.language, prepared.language ? JSON.stringify(prepared.language) : null],
          [t.reused, this.dialect.encodeBool(prepared.reused)],
        );
      }
      await ex.run(sql`update ${t} set ${assignments(pairs)} where ${t.id} = ${id}`);
      return { lastSeq: seq };
    });
  }

  async readEvents(id: string, options: ReadEventsOptions = {}): Promise<BuildEvent[]> {
    const e = this.e;
    const limit = options.limit ?? DEFAULT_EVENT_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENT_PAGE) {
      throw invalid(`The page size must be a whole number from 1 to ${MAX_EVENT_PAGE}.`, [
        { path: 'limit', message: `must be 1..${MAX_EVENT_PAGE} (got ${limit})` },
      ]);
    }
    const conditions: SQL[] = [sql`${e.buildId} = ${id}`, sql`${e.seq} > ${options.afterSeq ?? 0}`];
    if (options.types !== undefined) {
      if (options.types.length === 0) return [];
      for (const type of options.types) oneOf(type, EVENT_TYPES, 'types');
      conditions.push(
        sql`${e.type} in (${sql.join(
          options.types.map((type) => sql`${type}`),
          sql`, `,
        )})`,
      );
    }
    const rows = await this.all(sql`
      select * from ${e} where ${sql.join(conditions, sql` and `)}
      order by ${e.seq} limit ${limit}`);
    return rows.map((row) => ({
      seq: Number(row.seq),
      type: String(row.type) as BuildEventType,
      data: parseJson<JsonObject>(row.data) ?? {},
      at: this.dialect.decodeTime(row.at),
    }));
  }

  async heartbeat(runner: string, at: Date = new Date()): Promise<number> {
    const t = this.t;
    return this.run(sql`
      update ${t} set ${assignments([[t.heartbeatAt, this.time(at)]])}
      where ${t.runner} = ${runner} and ${t.status} = 'running'`);
  }

  async requestCancel(id: string, at: Date = new Date()): Promise<BuildRecord | undefined> {
    const t = this.t;
    return this.host.atomically(async (ex) => {
      const changed = await ex.run(sql`
        update ${t} set ${assignments([
          [t.cancelRequestedAt, this.time(at)],
          [t.updatedAt, this.time(at)],
        ])}
        where ${t.id} = ${id} and ${t.status} = 'running' and ${t.cancelRequestedAt} is null`);
      const [record] = await this.select(sql`${t.id} = ${id}`, sql``, ex);
      if (changed === 0 && record?.status !== 'running') return undefined;
      return record;
    });
  }

  async finish(
    id: string,
    result: BuildResult,
    options: { from?: readonly BuildStatus[]; at?: Date } = {},
  ): Promise<BuildRecord | undefined> {
    const t = this.t;
    const status = oneOf(result.status, ['succeeded', 'failed', 'cancelled'] as const, 'status');
    const from = options.from ?? UNFINISHED;
    for (const s of from) oneOf(s, BUILD_STATUSES, 'from');
    if (status === 'failed' && !result.failure) {
      throw invalid('A failed build needs a failure.', [
        { path: 'failure', message: 'is required when status is failed' },
      ]);
    }
    const at = this.time(options.at ?? new Date());
    const pairs: [Column, unknown][] = [
      [t.status, status],
      [t.finishedAt, at],
      [t.updatedAt, at],
    ];
    if (result.tag !== undefined) pairs.push([t.tag, result.tag]);
    if (result.imageId !== undefined) pairs.push([t.imageId, result.imageId]);
    if (result.digest !== undefined) pairs.push([t.digest, result.digest]);
    if (result.failure !== undefined) pairs.push([t.failure, JSON.stringify(result.failure)]);
    return this.host.atomically(async (ex) => {
      const changed = await ex.run(sql`
        update ${t} set ${assignments(pairs)}
        where ${t.id} = ${id} and ${t.status} in (${sql.join(
          from.map((s) => sql`${s}`),
          sql`, `,
        )})`);
      if (changed === 0) return undefined;
      const [record] = await this.select(sql`${t.id} = ${id}`, sql``, ex);
      return record;
    });
  }

  listRunning(options: { runner?: string } = {}): Promise<BuildRecord[]> {
    const t = this.t;
    const runner = options.runner === undefined ? sql`` : sql` and ${t.runner} = ${options.runner}`;
    return this.select(sql`${t.status} = 'running'${runner}`, sql`order by ${t.id}`);
  }

  async failRunning(
    reason: string,
    options: { heartbeatBefore?: Date; at?: Date } = {},
  ): Promise<BuildRecord[]> {
    const t = this.t;
    requiredText(reason, 'reason');
    const stale =
      options.heartbeatBefore === undefined
        ? sql``
        : sql` and (${t.heartbeatAt} is null or ${t.heartbeatAt} < ${this.time(options.heartbeatBefore)})`;
    const candidates = await this.select(
      sql`${t.status} = 'running'${stale}`,
      sql`order by ${t.id}`,
    );
    const failed: BuildRecord[] = [];
    for (const build of candidates) {
      const lastLines = await this.lastLines(build.id);
      const failure: BuildFailure = { message: reason, lastLines };
      const running = build.steps.filter((step) => step.state === 'started').pop();
      if (running) failure.failedStep = running.name;
      const record = await this.finish(
        build.id,
        { status: 'failed', failure },
        { from: ['running'], ...(options.at && { at: options.at }) },
      );
      if (record) failed.push(record);
    }
    return failed;
  }

  /** The last lines of a build's stored log. */
  private async lastLines(id: string): Promise<string[]> {
    const e = this.e;
    const rows = await this.all(sql`
      select ${e.data} as data from ${e} where ${e.buildId} = ${id} and ${e.type} = 'log'
      order by ${e.seq} desc limit ${LAST_LINES * 2}`);
    const texts = rows
      .reverse()
      .map((row) => parseJson<JsonObject>(row.data))
      .filter((data) => data !== undefined && data.note !== true)
      .map((data) => String(data!.text ?? ''));
    return lastLinesOf(texts);
  }

  private async select(
    condition: SQL,
    tail: SQL = sql``,
    ex: SqlExecutor = this.host.executor,
  ): Promise<BuildRecord[]> {
    const t = this.t;
    const w = this.dialect.levels.workspace;
    const rows = await ex.all(sql`
      select ${t}.*, ${w.sortKey} as workspace_path
      from ${t} join ${w.table} on ${w.id} = ${t.workspaceId}
      where ${condition} ${tail}`);
    return rows.map((row) => this.decode(row));
  }

  private decode(row: Row): BuildRecord {
    const [ecosystem, domain, app, workspace] = String(row.workspace_path).split(' ') as [
      string,
      string,
      string,
      string,
    ];
    const bool = (value: unknown) => value === true || Number(value) === 1;
    const record: BuildRecord = {
      id: String(row.id),
      workspaceId: String(row.workspace_id),
      ecosystem,
      domain,
      app,
      workspace,
      host: String(row.host),
      status: String(row.status) as BuildStatus,
      noCache: bool(row.no_cache),
      requestedBy: String(row.requested_by),
      request: parseJson<JsonObject>(row.request) ?? {},
      steps: parseJson<BuildStep[]>(row.steps) ?? [],
      lastSeq: Number(row.last_seq),
      logBytes: Number(row.log_bytes),
      logTruncated: bool(row.log_truncated),
      createdAt: this.dialect.decodeTime(row.created_at),
      updatedAt: this.dialect.decodeTime(row.updated_at),
    };
    const text = (column: string) => (row[column] == null ? undefined : String(row[column]));
    const optional: Partial<BuildRecord> = {
      requestedBuilder: text('requested_builder'),
      builder: text('builder'),
      requestedById: text('requested_by_id'),
      tag: text('tag'),
      imageId: text('image_id'),
      digest: text('digest'),
      inputsHash: text('inputs_hash'),
      dockerfile: text('dockerfile'),
      runner: text('runner'),
      reused: row.reused == null ? undefined : bool(row.reused),
      baseImage: parseJson<JsonObject>(row.base_image),
      language: parseJson<JsonObject>(row.language),
      failure: parseJson<BuildFailure>(row.failure),
      cancelRequestedAt: this.optionalTime(row.cancel_requested_at),
      heartbeatAt: this.optionalTime(row.heartbeat_at),
      startedAt: this.optionalTime(row.started_at),
      finishedAt: this.optionalTime(row.finished_at),
    };
    for (const [key, value] of Object.entries(optional)) {
      if (value !== undefined) (record as unknown as Record<string, unknown>)[key] = value;
    }
    return record;
  }
}
