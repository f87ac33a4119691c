// The identity stores over SQL (see identity-store.ts for the contract). Like the object stores,
// every query is a drizzle `sql` template over the dialect's tables; statements go to the host
// store's executor, so they join its transaction when there is one.
import { type Column, type SQL, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';

import { AppError, invalid } from '../../errors';
import { decodeCursor, encodeCursor } from '../cursor';
import type { JsonObject, JsonValue, ListOptions, Page } from '../data-store';
import type {
  AuditEvent,
  AuditFilter,
  AuditSource,
  AuditStore,
  EcosystemRole,
  MembershipRecord,
  MembershipStore,
  NewAuditEvent,
  NewToken,
  NewUser,
  SessionRecord,
  SessionStore,
  SettingStore,
  ThrottleRecord,
  ThrottleStore,
  TicketRecord,
  TicketStore,
  TokenRecord,
  TokenScope,
  TokenStore,
  UserPatch,
  UserRecord,
  UserStore,
} from '../identity-store';
import type { Row, SqlExecutor } from './sql-driver';
import { SqlPart, assignments, identifier, insertInto, oneOf, pageLimit } from './sql-part';

const ROLES: readonly EcosystemRole[] = ['owner', 'developer', 'viewer'];
const SCOPES: readonly TokenScope[] = ['read', 'write', 'admin'];
const SOURCES: readonly AuditSource[] = ['ui', 'api', 'cli', 'system'];
/** The marker whose unique key lets exactly one first-run setup win. */
const FIRST_ADMIN_MARKER = 'setup:first-admin';

function normaliseEmail(email: string): string {
  const trimmed = typeof email === 'string' ? email.trim().toLowerCase() : '';
  if (!/^[^\s@]+@[^\s@]+$/.test(trimmed) || trimmed.length > 254) {
    throw invalid('The email address is not valid.', [
      { path: 'email', message: 'must be an email address like name@example.com' },
    ]);
  }
  return trimmed;
}

function parseJson(value: unknown): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  return (typeof value === 'string' ? JSON.parse(value) : value) as JsonValue;
}

function jsonOrNull(value: JsonValue | undefined): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export class SqlUserStore extends SqlPart implements UserStore {
  async create(user: NewUser): Promise<UserRecord> {
    const email = normaliseEmail(user.email);
    return this.unique(`A user with the email ${email} already exists.`, async () => {
      const [row] = await this.all(sql`${this.insertUser(email, user)} returning *`);
      return this.decode(row!);
    });
  }

  async createFirstAdmin(user: NewUser): Promise<UserRecord | undefined> {
    const email = normaliseEmail(user.email);
    const { settings } = this.tables;
    const alreadySetUp = new Error('already set up');
    try {
      return await this.host.atomically(async (ex) => {
        const [count] = await ex.all(sql`select count(*) as n from ${this.tables.users}`);
        if (Number(count?.n ?? 0) > 0) throw alreadySetUp;
        const now = this.time(new Date());
        // Two setups racing both see no users; only one can insert the marker.
        await ex.run(
          insertInto(settings, [
            [settings.key, FIRST_ADMIN_MARKER],
            [settings.value, email],
            [settings.createdAt, now],
          ]),
        );
        const [row] = await ex.all(
          sql`${this.insertUser(email, { ...user, isAdmin: true })} returning *`,
        );
        return this.decode(row!);
      });
    } catch (error) {
      if (error === alreadySetUp || this.dialect.classifyError(error) === 'unique')
        return undefined;
      throw error;
    }
  }

  async get(id: string): Promise<UserRecord> {
    const user = await this.find(id);
    if (!user) throw new AppError('NOT_FOUND', 'The user does not exist.');
    return user;
  }

  async find(id: string): Promise<UserRecord | undefined> {
    const { users } = this.tables;
    const [row] = await this.all(sql`select * from ${users} where ${users.id} = ${id}`);
    return row ? this.decode(row) : undefined;
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const { users } = this.tables;
    const normalised = typeof email === 'string' ? email.trim().toLowerCase() : '';
    const [row] = await this.all(sql`select * from ${users} where ${users.email} = ${normalised}`);
    return row ? this.decode(row) : undefined;
  }

  async list(options: ListOptions = {}): Promise<Page<UserRecord>> {
    const { users } = this.tables;
    const limit = pageLimit(options);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const where = after === undefined ? sql`` : sql`where ${users.email} > ${after}`;
    const rows = await this.all(
      sql`select * from ${users} ${where} order by ${users.email} limit ${limit + 1}`,
    );
    const items = rows.slice(0, limit).map((row) => this.decode(row));
    return rows.length > limit
      ? { items, nextCursor: encodeCursor(items[items.length - 1]!.email) }
      : { items };
  }

  async count(): Promise<number> {
    const [row] = await this.all(sql`select count(*) as n from ${this.tables.users}`);
    return Number(row?.n ?? 0);
  }

  async update(id: string, patch: UserPatch): Promise<UserRecord> {
    const { users } = this.tables;
    const pairs: [Column, unknown][] = [[users.updatedAt, this.time(new Date())]];
    if (patch.name !== undefined) pairs.push([users.name, patch.name]);
    if (patch.passwordHash !== undefined) pairs.push([users.passwordHash, patch.passwordHash]);
    if (patch.isAdmin !== undefined)
      pairs.push([users.isAdmin, this.dialect.encodeBool(patch.isAdmin)]);
    if (patch.disabled !== undefined)
      pairs.push([users.disabled, this.dialect.encodeBool(patch.disabled)]);
    if (patch.mustChangePassword !== undefined) {
      pairs.push([users.mustChangePassword, this.dialect.encodeBool(patch.mustChangePassword)]);
    }
    if (patch.lastSignInAt !== undefined)
      pairs.push([users.lastSignInAt, this.time(patch.lastSignInAt)]);
    const [row] = await this.all(
      sql`update ${users} set ${assignments(pairs)} where ${users.id} = ${id} returning *`,
    );
    if (!row) throw new AppError('NOT_FOUND', 'The user does not exist.');
    return this.decode(row);
  }

  private insertUser(email: string, user: NewUser): SQL {
    const { users } = this.tables;
    const now = this.time(new Date());
    return insertInto(users, [
      [users.id, uuidv7()],
      [users.email, email],
      [users.name, user.name ?? ''],
      [users.passwordHash, user.passwordHash ?? null],
      [users.isAdmin, this.dialect.encodeBool(user.isAdmin ?? false)],
      [users.disabled, this.dialect.encodeBool(false)],
      [users.mustChangePassword, this.dialect.encodeBool(user.mustChangePassword ?? false)],
      [users.createdAt, now],
      [users.updatedAt, now],
    ]);
  }

  private decode(row: Row): UserRecord {
    const user: UserRecord = {
      id: String(row.id),
      email: String(row.email),
      name: String(row.name),
      isAdmin: Boolean(row.is_admin),
      disabled: Boolean(row.disabled),
      mustChangePassword: Boolean(row.must_change_password),
      createdAt: this.dialect.decodeTime(row.created_at),
      updatedAt: this.dialect.decodeTime(row.updated_at),
    };
    if (row.password_hash !== null && row.password_hash !== undefined)
      user.passwordHash = String(row.password_hash);
    const lastSignInAt = this.optionalTime(row.last_sign_in_at);
    if (lastSignInAt) user.lastSignInAt = lastSignInAt;
    return user;
  }
}

export class SqlMembershipStore extends SqlPart implements MembershipStore {
  async set(ecosystem: string, userId: string, role: EcosystemRole): Promise<MembershipRecord> {
    const checkedRole = oneOf(role, ROLES, 'role');
    const { memberships: m } = this.tables;
    return this.host.atomically(async (ex) => {
      const eco = await this.host.resolveObject(ex, 'ecosystem', [ecosystem]);
      const { users } = this.tables;
      const [user] = await ex.all(
        sql`select ${users.id} from ${users} where ${users.id} = ${userId}`,
      );
      if (!user) throw new AppError('NOT_FOUND', 'The user does not exist.');
      await ex.run(sql`
        ${insertInto(m, [
          [m.userId, userId],
          [m.ecosystemId, eco.id],
          [m.role, checkedRole],
          [m.createdAt, this.time(new Date())],
        ])}
        on conflict (${identifier(m.userId)}, ${identifier(m.ecosystemId)})
        do update set ${identifier(m.role)} = excluded.${identifier(m.role)}`);
      const [record] = await this.select(
        sql`${m.userId} = ${userId} and ${m.ecosystemId} = ${eco.id}`,
        ex,
      );
      return record!;
    });
  }

  async remove(ecosystem: string, userId: string): Promise<boolean> {
    const { memberships: m } = this.tables;
    const eco = await this.host.resolveObject(this.host.executor, 'ecosystem', [ecosystem]);
    return (
      (await this.run(
        sql`delete from ${m} where ${m.userId} = ${userId} and ${m.ecosystemId} = ${eco.id}`,
      )) > 0
    );
  }

  async listForEcosystem(ecosystem: string): Promise<MembershipRecord[]> {
    const eco = await this.host.resolveObject(this.host.executor, 'ecosystem', [ecosystem]);
    return this.select(sql`${this.tables.memberships.ecosystemId} = ${eco.id}`);
  }

  listForUser(userId: string): Promise<MembershipRecord[]> {
    return this.select(sql`${this.tables.memberships.userId} = ${userId}`);
  }

  async roleOf(userId: string, ecosystem: string): Promise<EcosystemRole | undefined> {
    const [record] = await this.select(
      sql`${this.tables.memberships.userId} = ${userId} and ${this.dialect.levels.ecosystem.name} = ${ecosystem}`,
    );
    return record?.role;
  }

  private async select(
    condition: SQL,
    ex: SqlExecutor = this.host.executor,
  ): Promise<MembershipRecord[]> {
    const { memberships: m, users: u } = this.tables;
    const e = this.dialect.levels.ecosystem;
    const rows = await ex.all(sql`
      select ${m.userId} as user_id, ${u.email} as email, ${e.name} as ecosystem, ${m.role} as role,
             ${m.createdAt} as created_at
      from ${m}
      join ${u} on ${u.id} = ${m.userId}
      join ${e.table} on ${e.id} = ${m.ecosystemId}
      where ${condition}
      order by ${e.name}, ${u.email}`);
    return rows.map((row) => ({
      userId: String(row.user_id),
      email: String(row.email),
      ecosystem: String(row.ecosystem),
      role: String(row.role) as EcosystemRole,
      createdAt: this.dialect.decodeTime(row.created_at),
    }));
  }
}

export class SqlTokenStore extends SqlPart implements TokenStore {
  async create(token: NewToken): Promise<TokenRecord> {
    const t = this.tables.apiTokens;
    const scope = oneOf(token.scope, SCOPES, 'scope');
    if (typeof token.name !== 'string' || token.name.trim() === '' || token.name.length > 100) {
      throw invalid('A token needs a name of 1 to 100 characters.', [
        { path: 'name', message: 'must be 1 to 100 characters' },
      ]);
    }
    return this.unique('That token already exists.', async () => {
      const [row] = await this.all(
        sql`${insertInto(t, [
          [t.id, uuidv7()],
          [t.userId, token.userId],
          [t.name, token.name.trim()],
          [t.prefix, token.prefix],
          [t.secretHash, token.secretHash],
          [t.scope, scope],
          [t.createdAt, this.time(new Date())],
          [t.expiresAt, token.expiresAt ? this.time(token.expiresAt) : null],
        ])} returning *`,
      );
      return this.decode(row!);
    });
  }

  async get(id: string): Promise<TokenRecord> {
    const t = this.tables.apiTokens;
    const [row] = await this.all(sql`select * from ${t} where ${t.id} = ${id}`);
    if (!row) throw new AppError('NOT_FOUND', 'The token does not exist.');
    return this.decode(row);
  }

  async findBySecretHash(secretHash: string): Promise<TokenRecord | undefined> {
    const t = this.tables.apiTokens;
    const [row] = await this.all(sql`select * from ${t} where ${t.secretHash} = ${secretHash}`);
    return row ? this.decode(row) : undefined;
  }

  async listForUser(userId: string): Promise<TokenRecord[]> {
    const t = this.tables.apiTokens;
    const rows = await this.all(
      sql`select * from ${t} where ${t.userId} = ${userId} order by ${t.id} desc`,
    );
    return rows.map((row) => this.decode(row));
  }

  async revoke(id: string, at: Date): Promise<TokenRecord> {
    const t = this.tables.apiTokens;
    const [row] = await this.all(sql`
      update ${t} set ${identifier(t.revokedAt)} = coalesce(${identifier(t.revokedAt)}, ${this.time(at)})
      where ${t.id} = ${id} returning *`);
    if (!row) throw new AppError('NOT_FOUND', 'The token does not exist.');
    return this.decode(row);
  }

  async touch(id: string, at: Date): Promise<void> {
    const t = this.tables.apiTokens;
    await this.run(
      sql`update ${t} set ${assignments([[t.lastUsedAt, this.time(at)]])} where ${t.id} = ${id}`,
    );
  }

  private decode(row: Row): TokenRecord {
    const token: TokenRecord = {
      id: String(row.id),
      userId: String(row.user_id),
      name: String(row.name),
      prefix: String(row.prefix),
      scope: String(row.scope) as TokenScope,
      createdAt: this.dialect.decodeTime(row.created_at),
    };
    const expiresAt = this.optionalTime(row.expires_at);
    const lastUsedAt = this.optionalTime(row.last_used_at);
    const revokedAt = this.optionalTime(row.revoked_at);
    if (expiresAt) token.expiresAt = expiresAt;
    if (lastUsedAt) token.lastUsedAt = lastUsedAt;
    if (revokedAt) token.revokedAt = revokedAt;
    return token;
  }
}

export class SqlSessionStore extends SqlPart implements SessionStore {
  async create(session: { id: string; userId: string; expiresAt: Date }): Promise<SessionRecord> {
    const s = this.tables.sessions;
    const [row] = await this.all(
      sql`${insertInto(s, [
        [s.id, session.id],
        [s.userId, session.userId],
        [s.createdAt, this.time(new Date())],
        [s.expiresAt, this.time(session.expiresAt)],
      ])} returning *`,
    );
    return this.decode(row!);
  }

  async find(id: string): Promise<SessionRecord | undefined> {
    const s = this.tables.sessions;
    const [row] = await this.all(sql`select * from ${s} where ${s.id} = ${id}`);
    return row ? this.decode(row) : undefined;
  }

  async revoke(id: string, at: Date): Promise<void> {
    const s = this.tables.sessions;
    await this.run(sql`update ${s} set ${assignments([[s.revokedAt, this.time(at)]])}
      where ${s.id} = ${id} and ${s.revokedAt} is null`);
  }

  revokeAllForUser(userId: string, at: Date): Promise<number> {
    const s = this.tables.sessions;
    return this.run(sql`update ${s} set ${assignments([[s.revokedAt, this.time(at)]])}
      where ${s.userId} = ${userId} and ${s.revokedAt} is null`);
  }

  private decode(row: Row): SessionRecord {
    const session: SessionRecord = {
      id: String(row.id),
      userId: String(row.user_id),
      createdAt: this.dialect.decodeTime(row.created_at),
      expiresAt: this.dialect.decodeTime(row.expires_at),
    };
    const revokedAt = this.optionalTime(row.revoked_at);
    if (revokedAt) session.revokedAt = revokedAt;
    return session;
  }
}

export class SqlTicketStore extends SqlPart implements TicketStore {
  async create(ticket: TicketRecord & { secretHash: string }): Promise<void> {
    const t = this.tables.socketTickets;
    await this.run(
      insertInto(t, [
        [t.secretHash, ticket.secretHash],
        [t.userId, ticket.userId],
        [t.purpose, ticket.purpose],
        [t.expiresAt, this.time(ticket.expiresAt)],
      ]),
    );
  }

  async consume(secretHash: string, now: Date): Promise<TicketRecord | undefined> {
    const t = this.tables.socketTickets;
    // One statement: of two sockets presenting the same ticket, only one sees a row come back.
    const [row] = await this.all(sql`
      update ${t} set ${assignments([[t.usedAt, this.time(now)]])}
      where ${t.secretHash} = ${secretHash} and ${t.usedAt} is null and ${t.expiresAt} > ${this.time(now)}
      returning *`);
    return row
      ? {
          userId: String(row.user_id),
          purpose: String(row.purpose),
          expiresAt: this.dialect.decodeTime(row.expires_at),
        }
      : undefined;
  }
}

export class SqlThrottleStore extends SqlPart implements ThrottleStore {
  async get(key: string): Promise<ThrottleRecord | undefined> {
    const t = this.tables.authThrottle;
    const [row] = await this.all(sql`select * from ${t} where ${t.key} = ${key}`);
    return row ? this.decode(row) : undefined;
  }

  async recordFailure(key: string, now: Date, windowMs: number): Promise<ThrottleRecord> {
    const t = this.tables.authThrottle;
    const windowStart = this.time(new Date(now.getTime() - windowMs));
    const stale = sql`${t}.${identifier(t.firstFailureAt)} < ${windowStart}`;
    // One upsert, so concurrent failures are all counted.
    const [row] = await this.all(sql`
      ${insertInto(t, [
        [t.key, key],
        [t.failures, 1],
        [t.firstFailureAt, this.time(now)],
        [t.lastFailureAt, this.time(now)],
      ])}
      on conflict (${identifier(t.key)}) do update set
        ${identifier(t.failures)} = case when ${stale} then 1 else ${t}.${identifier(t.failures)} + 1 end,
        ${identifier(t.firstFailureAt)} = case when ${stale} then excluded.${identifier(t.firstFailureAt)}
          else ${t}.${identifier(t.firstFailureAt)} end,
        ${identifier(t.lastFailureAt)} = excluded.${identifier(t.lastFailureAt)}
      returning *`);
    return this.decode(row!);
  }

  async clear(key: string): Promise<void> {
    const t = this.tables.authThrottle;
    await this.run(sql`delete from ${t} where ${t.key} = ${key}`);
  }

  private decode(row: Row): ThrottleRecord {
    return {
      key: String(row.key),
      failures: Number(row.failures),
      firstFailureAt: this.dialect.decodeTime(row.first_failure_at),
      lastFailureAt: this.dialect.decodeTime(row.last_failure_at),
    };
  }
}

export class SqlAuditStore extends SqlPart implements AuditStore {
  async append(event: NewAuditEvent): Promise<AuditEvent> {
    const a = this.tables.auditEvents;
    const source = oneOf(event.source, SOURCES, 'source');
    const [row] = await this.all(
      sql`${insertInto(a, [
        [a.id, uuidv7()],
        [a.time, this.time(event.time ?? new Date())],
        [a.actorId, event.actorId ?? null],
        [a.actor, event.actor],
        [a.source, source],
        [a.action, event.action],
        [a.target, event.target ?? null],
        [a.ecosystem, event.ecosystem ?? null],
        [a.before, jsonOrNull(event.before)],
        [a.after, jsonOrNull(event.after)],
        [a.detail, jsonOrNull(event.detail)],
        [a.address, event.address ?? null],
      ])} returning *`,
    );
    return this.decode(row!);
  }

  async list(filter: AuditFilter = {}, options: ListOptions = {}): Promise<Page<AuditEvent>> {
    const a = this.tables.auditEvents;
    const limit = pageLimit(options);
    const conditions: SQL[] = [];
    if (filter.ecosystems !== undefined) {
      if (filter.ecosystems.length === 0) return { items: [] };
      conditions.push(
        sql`${a.ecosystem} in (${sql.join(
          filter.ecosystems.map((name) => sql`${name}`),
          sql`, `,
        )})`,
      );
    }
    if (filter.actorId !== undefined) conditions.push(sql`${a.actorId} = ${filter.actorId}`);
    if (filter.action !== undefined) conditions.push(sql`${a.action} = ${filter.action}`);
    if (filter.targetPrefix !== undefined) {
      // substr, not LIKE: no wildcards to escape, and case-sensitive on both dialects.
      const prefix = filter.targetPrefix;
      conditions.push(sql`substr(${a.target}, 1, ${prefix.length}) = ${prefix}`);
    }
    if (filter.source !== undefined)
      conditions.push(sql`${a.source} = ${oneOf(filter.source, SOURCES, 'source')}`);
    if (filter.since !== undefined) conditions.push(sql`${a.time} >= ${this.time(filter.since)}`);
    if (filter.until !== undefined) conditions.push(sql`${a.time} < ${this.time(filter.until)}`);
    if (options.cursor !== undefined)
      conditions.push(sql`${a.id} < ${decodeCursor(options.cursor)}`);
    const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
    const rows = await this.all(
      sql`select * from ${a} ${where} order by ${a.id} desc limit ${limit + 1}`,
    );
    const items = rows.slice(0, limit).map((row) => this.decode(row));
    return rows.length > limit
      ? { items, nextCursor: encodeCursor(items[items.length - 1]!.id) }
      : { items };
  }

  private decode(row: Row): AuditEvent {
    const event: AuditEvent = {
      id: String(row.id),
      time: this.dialect.decodeTime(row.time),
      actor: String(row.actor),
      source: String(row.source) as AuditSource,
      action: String(row.action),
    };
    if (row.actor_id != null) event.actorId = String(row.actor_id);
    if (row.target != null) event.target = String(row.target);
    if (row.ecosystem != null) event.ecosystem = String(row.ecosystem);
    if (row.address != null) event.address = String(row.address);
    const before = parseJson(row.before);
    const after = parseJson(row.after);
    const detail = parseJson(row.detail);
    if (before !== undefined) event.before = before;
    if (after !== undefined) event.after = after;
    if (detail !== undefined) event.detail = detail as JsonObject;
    return event;
  }
}

export class SqlSettingStore extends SqlPart implements SettingStore {
  async getOrCreate(key: string, value: string): Promise<string> {
    const s = this.tables.settings;
    await this.run(
      sql`${insertInto(s, [
        [s.key, key],
        [s.value, value],
        [s.createdAt, this.time(new Date())],
      ])} on conflict (${identifier(s.key)}) do nothing`,
    );
    const [row] = await this.all(sql`select ${s.value} as value from ${s} where ${s.key} = ${key}`);
    return String(row!.value);
  }
}
