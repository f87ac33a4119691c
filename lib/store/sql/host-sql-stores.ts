// The hosts half of the DataStore over SQL (see host-store.ts for the contract). Hosts are ordered
// by name (a DNS label, byte-ordered on both dialects); placements are keyed by workspace id and
// read joined with their host's name and their workspace's path.
import { type Column, type SQL, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';

import { AppError, type FieldError, invalid } from '../../errors';
import { decodeCursor, encodeCursor } from '../cursor';
import type { JsonObject, ListOptions, Page } from '../data-store';
import type {
  DesiredState,
  HostHeartbeat,
  HostPatch,
  HostRecord,
  HostStatus,
  HostStore,
  NewHost,
  NewPlacement,
  Observation,
  ObservedState,
  PlacementRecord,
  PlacementStore,
} from '../host-store';
import { nameProblem } from '../input-checks';
import type { Row, SqlExecutor } from './sql-driver';
import { SqlPart, assignments, identifier, insertInto, oneOf, pageLimit } from './sql-part';

const STATUSES: readonly HostStatus[] = ['pending', 'healthy', 'unhealthy'];
const DESIRED: readonly DesiredState[] = ['running', 'stopped'];
const OBSERVED: readonly ObservedState[] = ['running', 'stopped', 'missing', 'unknown'];
/** The most placements findMany reads at once: a list page's largest size. */
const MAX_FIND_MANY = 500;
/** How many workspace paths a refused host delete names. */
const NAMED_IN_CONFLICT = 3;

function describeHost(name: string): string {
  return `host "${name}"`;
}

function checkName(name: unknown, path = 'name'): string {
  const problem = nameProblem(name);
  if (problem) throw invalid(`The host name ${problem}.`, [{ path, message: problem }]);
  return name as string;
}

function checkLabels(labels: unknown): Record<string, string> {
  if (labels === undefined) return {};
  const errors: FieldError[] =
    typeof labels !== 'object' || labels === null || Array.isArray(labels)
      ? [{ path: 'labels', message: 'must be a map of strings' }]
      : Object.entries(labels)
          .filter(([, value]) => typeof value !== 'string')
          .map(([key]) => ({ path: `labels.${key}`, message: 'must be a string' }));
  if (errors.length > 0) throw invalid('The host labels must be a map of strings.', errors);
  return labels as Record<string, string>;
}

function requiredText(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(`${path} is required.`, [{ path, message: 'must be a non-empty string' }]);
  }
  return value;
}

function parseObject(value: unknown): JsonObject | undefined {
  if (value === null || value === undefined) return undefined;
  return (typeof value === 'string' ? JSON.parse(value) : value) as JsonObject;
}

export class SqlHostStore extends SqlPart implements HostStore {
  private get t() {
    return this.dialect.hosts.hosts;
  }

  async create(host: NewHost): Promise<HostRecord> {
    const t = this.t;
    const name = checkName(host.name);
    const labels = checkLabels(host.labels);
    const now = this.time(new Date());
    const pairs: [Column, unknown][] = [
      [t.id, uuidv7()],
      [t.name, name],
      [t.address, host.address ?? ''],
      [t.labels, JSON.stringify(labels)],
      [t.status, 'pending'],
      [t.joinTokenHash, host.joinTokenHash ?? null],
      [t.joinTokenExpiresAt, host.joinTokenExpiresAt ? this.time(host.joinTokenExpiresAt) : null],
      [t.credentialCiphertext, host.credentialCiphertext ?? null],
      // A host registered with its credential (the embedded agent) has joined already.
      [t.joinedAt, host.credentialCiphertext ? now : null],
      [t.createdAt, now],
      [t.updatedAt, now],
    ];
    return this.unique(`${describeHost(name)} already exists.`, async () => {
      const [row] = await this.all(sql`${insertInto(t, pairs)} returning *`);
      return this.decode(row!);
    });
  }

  async get(name: string): Promise<HostRecord> {
    const host = await this.find(name);
    if (!host) throw new AppError('NOT_FOUND', `${describeHost(name)} not found.`);
    return host;
  }

  async find(name: string): Promise<HostRecord | undefined> {
    const t = this.t;
    const [row] = await this.all(sql`select * from ${t} where ${t.name} = ${checkName(name)}`);
    return row ? this.decode(row) : undefined;
  }

  async list(options: ListOptions = {}): Promise<Page<HostRecord>> {
    const t = this.t;
    const limit = pageLimit(options);
    const conditions: SQL[] = [];
    if (options.cursor !== undefined)
      conditions.push(sql`${t.name} > ${decodeCursor(options.cursor)}`);
    for (const [key, value] of Object.entries(options.labels ?? {}))
      conditions.push(this.dialect.jsonFieldEquals(t.labels, key, value));
    const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
    const rows = await this.all(
      sql`select * from ${t} ${where} order by ${t.name} limit ${limit + 1}`,
    );
    const items = rows.slice(0, limit).map((row) => this.decode(row));
    return rows.length > limit
      ? { items, nextCursor: encodeCursor(items[items.length - 1]!.name) }
      : { items };
  }

  async update(name: string, patch: HostPatch): Promise<HostRecord> {
    const t = this.t;
    checkName(name);
    const now = this.time(new Date());
    const pairs: [Column, unknown][] = [[t.updatedAt, now]];
    if (patch.address !== undefined) pairs.push([t.address, patch.address]);
    if (patch.labels !== undefined)
      pairs.push([t.labels, JSON.stringify(checkLabels(patch.labels))]);
    if (patch.joinTokenHash !== undefined) pairs.push([t.joinTokenHash, patch.joinTokenHash]);
    if (patch.joinTokenExpiresAt !== undefined)
      pairs.push([t.joinTokenExpiresAt, this.time(patch.joinTokenExpiresAt)]);
    let joined = sql``;
    if (patch.credentialCiphertext !== undefined) {
      pairs.push([t.credentialCiphertext, patch.credentialCiphertext]);
      joined = sql`, ${identifier(t.joinedAt)} = coalesce(${identifier(t.joinedAt)}, ${now})`;
    }
    const [row] = await this.unique('That join token is already in use.', () =>
      this.all(
        sql`update ${t} set ${assignments(pairs)}${joined} where ${t.name} = ${name} returning *`,
      ),
    );
    if (!row) throw new AppError('NOT_FOUND', `${describeHost(name)} not found.`);
    return this.decode(row);
  }

  async findByJoinToken(joinTokenHash: string, now: Date): Promise<HostRecord | undefined> {
    const t = this.t;
    const [row] = await this.all(sql`
      select * from ${t}
      where ${t.joinTokenHash} = ${joinTokenHash} and ${t.joinTokenExpiresAt} > ${this.time(now)}`);
    return row ? this.decode(row) : undefined;
  }

  async completeJoin(
    joinTokenHash: string,
    now: Date,
    joined: { address: string; credentialCiphertext: string },
  ): Promise<HostRecord | undefined> {
    const t = this.t;
    requiredText(joined.address, 'address');
    requiredText(joined.credentialCiphertext, 'credentialCiphertext');
    const at = this.time(now);
    // One statement: of two agents presenting the same token, only one sees a row come back
    // (PostgreSQL re-checks the condition on the row the first one already changed).
    const [row] = await this.all(sql`
      update ${t} set ${assignments([
        [t.address, joined.address],
        [t.credentialCiphertext, joined.credentialCiphertext],
        [t.joinTokenHash, null],
        [t.joinTokenExpiresAt, null],
        [t.joinedAt, at],
        [t.updatedAt, at],
      ])}
      where ${t.joinTokenHash} = ${joinTokenHash} and ${t.joinTokenExpiresAt} > ${at}
      returning *`);
    return row ? this.decode(row) : undefined;
  }

  async recordHeartbeat(name: string, heartbeat: HostHeartbeat): Promise<HostRecord> {
    const t = this.t;
    checkName(name);
    const pairs: [Column, unknown][] = [
      [t.lastHeartbeatAt, this.time(heartbeat.at)],
      [t.status, oneOf(heartbeat.status, STATUSES, 'status')],
      [t.statusReason, heartbeat.statusReason ?? null],
    ];
    if (heartbeat.info !== undefined) pairs.push([t.info, JSON.stringify(heartbeat.info)]);
    const [row] = await this.all(
      sql`update ${t} set ${assignments(pairs)} where ${t.name} = ${name} returning *`,
    );
    if (!row) throw new AppError('NOT_FOUND', `${describeHost(name)} not found.`);
    return this.decode(row);
  }

  async delete(name: string): Promise<boolean> {
    checkName(name);
    const t = this.t;
    const { workspacePlacements: p } = this.dialect.hosts;
    const w = this.dialect.levels.workspace;
    try {
      return await this.host.atomically(async (ex) => {
        const [row] = await ex.all(
          sql`select ${t.id} as id from ${t} where ${t.name} = ${name} ${this.dialect.rowLock}`,
        );
        if (!row) return false;
        const [count] = await ex.all(
          sql`select count(*) as n from ${p} where ${p.hostId} = ${row.id}`,
        );
        const placed = Number(count?.n ?? 0);
        if (placed > 0) {
          const named = await ex.all(sql`
            select ${w.sortKey} as path from ${p} join ${w.table} on ${w.id} = ${p.workspaceId}
            where ${p.hostId} = ${row.id} order by ${w.sortKey} limit ${NAMED_IN_CONFLICT}`);
          const paths = named.map((r) => String(r.path).split(' ').join('/'));
          const more = placed > paths.length ? `, and ${placed - paths.length} more` : '';
          throw new AppError(
            'CONFLICT',
            `${describeHost(name)} still has ${placed} ${placed === 1 ? 'workspace' : 'workspaces'} placed on it (${paths.join(', ')}${more}). Delete those workspaces first.`,
          );
        }
        await ex.run(sql`delete from ${t} where ${t.id} = ${row.id}`);
        return true;
      });
    } catch (error) {
      if (this.dialect.classifyError(error) === 'foreign-key') {
        throw new AppError(
          'CONFLICT',
          `A workspace was placed on ${describeHost(name)} while it was being deleted. Retry.`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  private decode(row: Row): HostRecord {
    const host: HostRecord = {
      id: String(row.id),
      name: String(row.name),
      address: String(row.address),
      labels: parseObject(row.labels) as Record<string, string>,
      status: String(row.status) as HostStatus,
      createdAt: this.dialect.decodeTime(row.created_at),
      updatedAt: this.dialect.decodeTime(row.updated_at),
    };
    if (row.status_reason != null) host.statusReason = String(row.status_reason);
    const info = parseObject(row.info);
    if (info !== undefined) host.info = info;
    if (row.credential_ciphertext != null)
      host.credentialCiphertext = String(row.credential_ciphertext);
    const lastHeartbeatAt = this.optionalTime(row.last_heartbeat_at);
    const joinTokenExpiresAt = this.optionalTime(row.join_token_expires_at);
    const joinedAt = this.optionalTime(row.joined_at);
    if (lastHeartbeatAt) host.lastHeartbeatAt = lastHeartbeatAt;
    if (joinTokenExpiresAt) host.joinTokenExpiresAt = joinTokenExpiresAt;
    if (joinedAt) host.joinedAt = joinedAt;
    return host;
  }
}

export class SqlPlacementStore extends SqlPart implements PlacementStore {
  async set(placement: NewPlacement): Promise<PlacementRecord> {
    const { hosts: h, workspacePlacements: p } = this.dialect.hosts;
    const w = this.dialect.levels.workspace;
    const hostName = checkName(placement.host, 'host');
    const containerName = requiredText(placement.containerName, 'containerName');
    const image = requiredText(placement.image, 'image');
    const desired = oneOf(placement.desired, DESIRED, 'desired');
    const now = this.time(new Date());
    const column = identifier;
    const current = (c: Column) => sql`${p}.${column(c)}`;
    // A placement moved to another host says nothing yet about the container there.
    const sameHost = sql`${current(p.hostId)} = excluded.${column(p.hostId)}`;
    return this.host.atomically(async (ex) => {
      const [host] = await ex.all(
        sql`select ${h.id} as id from ${h} where ${h.name} = ${hostName}`,
      );
      if (!host) throw new AppError('NOT_FOUND', `${describeHost(hostName)} not found.`);
      const [workspace] = await ex.all(
        sql`select ${w.id} as id from ${w.table} where ${w.id} = ${placement.workspaceId}`,
      );
      if (!workspace) throw new AppError('NOT_FOUND', 'The workspace no longer exists.');
      await ex.run(sql`
        ${insertInto(p, [
          [p.workspaceId, placement.workspaceId],
          [p.hostId, host.id],
          [p.containerName, containerName],
          [p.image, image],
          [p.sourceVolume, placement.sourceVolume ?? null],
          [p.desired, desired],
          [p.observed, 'unknown'],
          [p.createdAt, now],
          [p.updatedAt, now],
        ])}
        on conflict (${column(p.workspaceId)}) do update set
          ${sql.join(
            [p.hostId, p.containerName, p.image, p.sourceVolume, p.desired, p.updatedAt].map(
              (c) => sql`${column(c)} = excluded.${column(c)}`,
            ),
            sql`, `,
          )},
          ${column(p.observed)} = case when ${sameHost} then ${current(p.observed)} else 'unknown' end,
          ${column(p.reason)} = case when ${sameHost} then ${current(p.reason)} else null end,
          ${column(p.observedAt)} = case when ${sameHost} then ${current(p.observedAt)} else null end`);
      const [record] = await this.select(sql`${p.workspaceId} = ${placement.workspaceId}`, ex);
      return record!;
    });
  }

  async find(workspaceId: string): Promise<PlacementRecord | undefined> {
    const { workspacePlacements: p } = this.dialect.hosts;
    const [record] = await this.select(sql`${p.workspaceId} = ${workspaceId}`);
    return record;
  }

  async findMany(workspaceIds: readonly string[]): Promise<PlacementRecord[]> {
    if (workspaceIds.length > MAX_FIND_MANY) {
      throw invalid(`At most ${MAX_FIND_MANY} workspaces' placements can be read at once.`, [
        {
          path: 'workspaceIds',
          message: `must hold at most ${MAX_FIND_MANY} ids (got ${workspaceIds.length})`,
        },
      ]);
    }
    const ids = [...new Set(workspaceIds)];
    if (ids.length === 0) return [];
    const { workspacePlacements: p } = this.dialect.hosts;
    return this.select(
      sql`${p.workspaceId} in (${sql.join(
        ids.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    );
  }

  async setDesired(workspaceId: string, desired: DesiredState): Promise<PlacementRecord> {
    const { workspacePlacements: p } = this.dialect.hosts;
    const checked = oneOf(desired, DESIRED, 'desired');
    return this.host.atomically(async (ex) => {
      const changed = await ex.run(sql`
        update ${p} set ${assignments([
          [p.desired, checked],
          [p.updatedAt, this.time(new Date())],
        ])} where ${p.workspaceId} = ${workspaceId}`);
      if (changed === 0) {
        throw new AppError('NOT_FOUND', 'The workspace has no container yet: start it first.');
      }
      const [record] = await this.select(sql`${p.workspaceId} = ${workspaceId}`, ex);
      return record!;
    });
  }

  async observe(
    workspaceId: string,
    observation: Observation,
  ): Promise<PlacementRecord | undefined> {
    const { workspacePlacements: p } = this.dialect.hosts;
    const observed = oneOf(observation.observed, OBSERVED, 'observed');
    return this.host.atomically(async (ex) => {
      const changed = await ex.run(sql`
        update ${p} set ${assignments([
          [p.observed, observed],
          [p.reason, observation.reason ?? null],
          [p.observedAt, this.time(observation.at)],
        ])} where ${p.workspaceId} = ${workspaceId}`);
      if (changed === 0) return undefined;
      const [record] = await this.select(sql`${p.workspaceId} = ${workspaceId}`, ex);
      return record;
    });
  }

  listByHost(host: string): Promise<PlacementRecord[]> {
    return this.select(sql`${this.dialect.hosts.hosts.name} = ${checkName(host, 'host')}`);
  }

  async countRunningByHost(): Promise<Record<string, number>> {
    const { hosts: h, workspacePlacements: p } = this.dialect.hosts;
    const rows = await this.all(sql`
      select ${h.name} as host, count(*) as n from ${p} join ${h} on ${h.id} = ${p.hostId}
      where ${p.observed} = 'running' group by ${h.name}`);
    return Object.fromEntries(rows.map((row) => [String(row.host), Number(row.n)]));
  }

  async countByHost(hosts: readonly string[]): Promise<Record<string, number>> {
    const names = [...new Set(hosts)];
    if (names.length > MAX_FIND_MANY) {
      throw invalid(`At most ${MAX_FIND_MANY} hosts can be counted at once.`, [
        {
          path: 'hosts',
          message: `must hold at most ${MAX_FIND_MANY} names (got ${names.length})`,
        },
      ]);
    }
    if (names.length === 0) return {};
    const { hosts: h, workspacePlacements: p } = this.dialect.hosts;
    const rows = await this.all(sql`
      select ${h.name} as host, count(*) as n from ${p} join ${h} on ${h.id} = ${p.hostId}
      where ${h.name} in (${sql.join(
        names.map((name) => sql`${name}`),
        sql`, `,
      )}) group by ${h.name}`);
    return Object.fromEntries(rows.map((row) => [String(row.host), Number(row.n)]));
  }

  async delete(workspaceId: string): Promise<boolean> {
    const { workspacePlacements: p } = this.dialect.hosts;
    return (await this.run(sql`delete from ${p} where ${p.workspaceId} = ${workspaceId}`)) > 0;
  }

  private async select(
    condition: SQL,
    ex: SqlExecutor = this.host.executor,
  ): Promise<PlacementRecord[]> {
    const { hosts: h, workspacePlacements: p } = this.dialect.hosts;
    const w = this.dialect.levels.workspace;
    const rows = await ex.all(sql`
      select ${p}.*, ${h.name} as host_name, ${w.sortKey} as workspace_path
      from ${p}
      join ${h} on ${h.id} = ${p.hostId}
      join ${w.table} on ${w.id} = ${p.workspaceId}
      where ${condition}
      order by ${w.sortKey}`);
    return rows.map((row) => this.decode(row));
  }

  private decode(row: Row): PlacementRecord {
    const [ecosystem, domain, app, workspace] = String(row.workspace_path).split(' ') as [
      string,
      string,
      string,
      string,
    ];
    const record: PlacementRecord = {
      workspaceId: String(row.workspace_id),
      ecosystem,
      domain,
      app,
      workspace,
      host: String(row.host_name),
      containerName: String(row.container_name),
      image: String(row.image),
      desired: String(row.desired) as DesiredState,
      observed: String(row.observed) as ObservedState,
      createdAt: this.dialect.decodeTime(row.created_at),
      updatedAt: this.dialect.decodeTime(row.updated_at),
    };
    if (row.source_volume != null) record.sourceVolume = String(row.source_volume);
    if (row.reason != null) record.reason = String(row.reason);
    const observedAt = this.optionalTime(row.observed_at);
    if (observedAt) record.observedAt = observedAt;
    return record;
  }
}
