// The DataStore over SQL, shared by both dialects. Queries are drizzle `sql` templates over the
// dialect's drizzle tables, so one implementation serves SQLite and PostgreSQL; everything that
// differs between them (time and JSON encodings, error codes, transactions) sits behind SqlDriver.
//
// Each object row carries a `sort_key`: the names from the ecosystem down, joined by a space. Names
// are DNS labels, so the key is unique, never changes (objects are not renamed or moved) and, in
// byte order, lists every parent's children together and in name order. Keyset pagination uses it.
import { type SQL, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';

import { AppError, type FieldError, invalid, isAppError } from '../../errors';
import { decodeCursor, encodeCursor } from '../cursor';
import type {
  ActiveContext,
  DataStore,
  DeleteOptions,
  DeleteResult,
  JsonObject,
  Level,
  ListOptions,
  ObjectInput,
  ObjectKey,
  ObjectStore,
  Page,
  ParentRef,
  ReadOptions,
  StoredObject,
  UpdateOptions,
} from '../data-store';
import type {
  AuditStore,
  MembershipStore,
  SessionStore,
  SettingStore,
  ThrottleStore,
  TicketStore,
  TokenStore,
} from '../identity-store';
import type { BuildStore } from '../build-store';
import type { HostStore, PlacementStore } from '../host-store';
import { checkInput, nameProblem } from '../input-checks';
import { SqlBuildStore } from './build-sql-store';
import { SqlHostStore, SqlPlacementStore } from './host-sql-stores';
import {
  SqlAuditStore,
  SqlMembershipStore,
  SqlSessionStore,
  SqlSettingStore,
  SqlThrottleStore,
  SqlTicketStore,
  SqlTokenStore,
  SqlUserStore,
} from './identity-sql-stores';
import type { LevelTable } from './level-tables';
import type { Row, SqlDriver, SqlExecutor } from './sql-driver';
import type { SqlHost } from './sql-host';

const LEVELS: readonly Level[] = ['ecosystem', 'domain', 'app', 'workspace'];
const SORT_KEY_SEPARATOR = ' ';
const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
/** The most objects countUnder counts below at once: a list page's largest size. */
const MAX_COUNT_UNDER = 500;

const PLURAL: Record<Level, string> = {
  ecosystem: 'ecosystems',
  domain: 'domains',
  app: 'apps',
  workspace: 'workspaces',
};

function depth(level: Level): number {
  return LEVELS.indexOf(level);
}

function levelsAbove(level: Level): Level[] {
  return LEVELS.slice(0, depth(level));
}

function levelsBelow(level: Level): Level[] {
  return LEVELS.slice(depth(level) + 1);
}

/** `app "api" in platform/backend` — how users see an object's place in the hierarchy. */
function describe(level: Level, names: string[]): string {
  const own = names[names.length - 1];
  const parents = names.slice(0, -1);
  return parents.length > 0 ? `${level} "${own}" in ${parents.join('/')}` : `${level} "${own}"`;
}

/**
 * The parent names a level needs, in order, checked for presence and form. Errors name the
 * manifest field (`metadata.domain`), since that is where users write them.
 */
function parentNames(level: Level, parent: ParentRef): string[] {
  const errors: FieldError[] = [];
  const names = levelsAbove(level).map((above) => {
    const name = parent[above as keyof ParentRef];
    const problem = nameProblem(name);
    if (problem) {
      errors.push({
        path: `metadata.${above}`,
        message: name === undefined ? `is required for a ${level}` : problem,
      });
    }
    return name ?? '';
  });
  if (errors.length > 0) {
    throw invalid(
      `The ${level}'s parents are not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      errors,
    );
  }
  return names;
}

/**
 * For listing: the given parent names, top-down, stopping at the first absent one. A parent given
 * below an absent one is ambiguous (names are unique only per parent), so it is refused.
 */
function givenParentPrefix(level: Level, parent: ParentRef): string[] {
  const names: string[] = [];
  let gap: Level | undefined;
  for (const above of levelsAbove(level)) {
    const name = parent[above as keyof ParentRef];
    if (name === undefined) {
      gap ??= above;
      continue;
    }
    if (gap) {
      throw invalid(`To list ${PLURAL[level]} of a ${above}, name its ${gap} too.`, [
        { path: gap, message: `is required when ${above} is given` },
      ]);
    }
    const problem = nameProblem(name);
    if (problem)
      throw invalid(`The ${above} name ${problem}.`, [{ path: above, message: problem }]);
    names.push(name);
  }
  return names;
}

function parseJsonObject(value: unknown): JsonObject {
  return (typeof value === 'string' ? JSON.parse(value) : value) as JsonObject;
}

class SqlObjectStore implements ObjectStore {
  private readonly table: LevelTable;

  constructor(
    private readonly store: SqlDataStore,
    private readonly level: Level,
  ) {
    this.table = store.driver.dialect.levels[level];
  }

  async create(parent: ParentRef, input: ObjectInput): Promise<StoredObject> {
    const checked = checkInput(this.level, input);
    const names = [...parentNames(this.level, parent), checked.name];
    return this.store.guard(this.level, names, async () => {
      const ancestorIds = await this.store.resolveAncestors(this.store.executor, this.level, names);
      const { dialect } = this.store.driver;
      const now = dialect.encodeTime(new Date());
      const t = this.table;
      const values: [LevelTable['id'], unknown][] = [
        [t.id, uuidv7()],
        [t.name, checked.name],
        [t.sortKey, names.join(SORT_KEY_SEPARATOR)],
        [t.labels, JSON.stringify(checked.labels)],
        [t.annotations, JSON.stringify(checked.annotations)],
        [t.spec, JSON.stringify(checked.spec)],
        [t.version, 1],
        [t.createdAt, now],
        [t.updatedAt, now],
        ...levelsAbove(this.level).map((above): [LevelTable['id'], unknown] => [
          t.ancestors[above]!,
          ancestorIds[above],
        ]),
      ];
      const rows = await this.store.executor.all(sql`
        insert into ${t.table} (${sql.join(
          values.map(([column]) => sql.identifier(column.name)),
          sql`, `,
        )})
        values (${sql.join(
          values.map(([, value]) => sql`${value}`),
          sql`, `,
        )})
        returning *`);
      return this.decode(rows[0]!);
    });
  }

  async get(key: ObjectKey, options: ReadOptions = {}): Promise<StoredObject> {
    const found = await this.find(key, options);
    if (!found)
      throw new AppError('NOT_FOUND', `${describe(this.level, this.names(key))} not found.`);
    return found;
  }

  async find(key: ObjectKey, options: ReadOptions = {}): Promise<StoredObject | undefined> {
    const names = this.names(key);
    return this.store.guard(this.level, names, async () => {
      const row = await this.selectBySortKey(this.store.executor, names, options.forUpdate);
      if (row) return this.decode(row);
      // Say which parent is missing rather than blaming the object itself.
      if (names.length > 1)
        await this.store.resolveAncestors(this.store.executor, this.level, names);
      return undefined;
    });
  }

  async list(parent: ParentRef, options: ListOptions = {}): Promise<Page<StoredObject>> {
    const limit = options.limit ?? DEFAULT_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw invalid(`The page size must be a whole number from 1 to ${MAX_PAGE}.`, [
        { path: 'limit', message: `must be 1..${MAX_PAGE} (got ${limit})` },
      ]);
    }
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const prefix = givenParentPrefix(this.level, parent);
    return this.store.guard(this.level, prefix, async () => {
      const ex = this.store.executor;
      const t = this.table;
      const conditions: SQL[] = [];
      if (prefix.length > 0) {
        const parentLevel = LEVELS[prefix.length - 1]!;
        const parentRow = await this.store.resolveObject(ex, parentLevel, prefix);
        conditions.push(sql`${t.ancestors[parentLevel]!} = ${parentRow.id}`);
      }
      if (after !== undefined) conditions.push(sql`${t.sortKey} > ${after}`);
      for (const [key, value] of Object.entries(options.labels ?? {})) {
        conditions.push(this.store.driver.dialect.jsonFieldEquals(t.labels, key, value));
      }
      const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
      const rows = await ex.all(
        sql`select * from ${t.table} ${where} order by ${t.sortKey} limit ${limit + 1}`,
      );
      const items = rows.slice(0, limit).map((row) => this.decode(row));
      const last = rows.length > limit ? rows[limit - 1] : undefined;
      return last ? { items, nextCursor: encodeCursor(String(last.sort_key)) } : { items };
    });
  }

  async update(
    key: ObjectKey,
    input: ObjectInput,
    options: UpdateOptions = {},
  ): Promise<StoredObject> {
    const names = this.names(key);
    const checked = checkInput(this.level, { ...input, name: key.name });
    if (input.name !== undefined && input.name !== key.name) {
      throw invalid(`Objects cannot be renamed: metadata.name must stay "${key.name}".`, [
        { path: 'metadata.name', message: `must be "${key.name}"` },
      ]);
    }
    return this.store.guard(this.level, names, async () => {
      const ex = this.store.executor;
      const t = this.table;
      const versionCheck =
        options.expectedVersion === undefined
          ? sql``
          : sql`and ${t.version} = ${options.expectedVersion}`;
      const column = (c: LevelTable['id']) => sql.identifier(c.name);
      const rows = await ex.all(sql`
        update ${t.table} set
          ${column(t.labels)} = ${JSON.stringify(checked.labels)},
          ${column(t.annotations)} = ${JSON.stringify(checked.annotations)},
          ${column(t.spec)} = ${JSON.stringify(checked.spec)},
          ${column(t.version)} = ${column(t.version)} + 1,
          ${column(t.updatedAt)} = ${this.store.driver.dialect.encodeTime(new Date())}
        where ${t.sortKey} = ${names.join(SORT_KEY_SEPARATOR)} ${versionCheck}
        returning *`);
      if (rows[0]) return this.decode(rows[0]);
      const current = await this.get(key);
      throw new AppError(
        'CONFLICT',
        `${describe(this.level, names)} was changed by someone else (version ${current.version}, expected ${options.expectedVersion}). Read it again and retry.`,
      );
    });
  }

  async delete(key: ObjectKey, options: DeleteOptions = {}): Promise<DeleteResult> {
    const names = this.names(key);
    return this.store.guard(this.level, names, () =>
      this.store.atomically(async (ex) => {
        const row = await this.store.resolveObject(ex, this.level, names);
        const removed: Record<Level, number> = { ecosystem: 0, domain: 0, app: 0, workspace: 0 };
        for (const below of levelsBelow(this.level)) {
          const table = this.store.driver.dialect.levels[below];
          const [count] = await ex.all(
            sql`select count(*) as n from ${table.table} where ${table.ancestors[this.level]!} = ${row.id}`,
          );
          removed[below] = Number(count?.n ?? 0);
        }
        const children = levelsBelow(this.level).filter((below) => removed[below] > 0);
        if (children.length > 0 && !options.cascade) {
          const summary = children.map(
            (below) => `${removed[below]} ${removed[below] === 1 ? below : PLURAL[below]}`,
          );
          throw new AppError(
            'HAS_CHILDREN',
            `${describe(this.level, names)} still has ${summary.join(', ')}. Delete them first, or delete with cascade to remove everything below it.`,
          );
        }
        // Children go bottom-up so every foreign key stays satisfied at each statement.
        for (const below of [...levelsBelow(this.level)].reverse()) {
          const table = this.store.driver.dialect.levels[below];
          await ex.run(
            sql`delete from ${table.table} where ${table.ancestors[this.level]!} = ${row.id}`,
          );
        }
        await ex.run(sql`delete from ${this.table.table} where ${this.table.id} = ${row.id}`);
        removed[this.level] = 1;
        return { removed };
      }),
    );
  }

  async count(parent: ParentRef): Promise<number> {
    const prefix = givenParentPrefix(this.level, parent);
    return this.store.guard(this.level, prefix, async () => {
      const ex = this.store.executor;
      const t = this.table;
      let where = sql``;
      if (prefix.length > 0) {
        const parentLevel = LEVELS[prefix.length - 1]!;
        const parentRow = await this.store.resolveObject(ex, parentLevel, prefix);
        where = sql`where ${t.ancestors[parentLevel]!} = ${parentRow.id}`;
      }
      const [row] = await ex.all(sql`select count(*) as n from ${t.table} ${where}`);
      return Number(row?.n ?? 0);
    });
  }

  async countUnder(
    ancestor: Level,
    ancestorIds: readonly string[],
  ): Promise<Record<string, number>> {
    const column = this.table.ancestors[ancestor];
    if (!column) {
      throw invalid(`${PLURAL[this.level]} do not lie under ${PLURAL[ancestor]}.`, [
        { path: 'ancestor', message: `must be a level above ${this.level}` },
      ]);
    }
    if (ancestorIds.length > MAX_COUNT_UNDER) {
      throw invalid(`At most ${MAX_COUNT_UNDER} objects can be counted under at once.`, [
        {
          path: 'ancestorIds',
          message: `must hold at most ${MAX_COUNT_UNDER} ids (got ${ancestorIds.length})`,
        },
      ]);
    }
    const ids = [...new Set(ancestorIds)];
    const counts: Record<string, number> = Object.fromEntries(ids.map((id) => [id, 0]));
    if (ids.length === 0) return counts;
    const rows = await this.store.guard(this.level, [], () =>
      this.store.executor.all(sql`
      select ${column} as id, count(*) as n from ${this.table.table}
      where ${column} in (${sql.join(
        ids.map((id) => sql`${id}`),
        sql`, `,
      )})
      group by ${column}`),
    );
    for (const row of rows) counts[String(row.id)] = Number(row.n);
    return counts;
  }

  private names(key: ObjectKey): string[] {
    const own = nameProblem(key.name);
    if (own)
      throw invalid(`The ${this.level} name ${own}.`, [{ path: 'metadata.name', message: own }]);
    return [...parentNames(this.level, key), key.name];
  }

  private async selectBySortKey(
    ex: SqlExecutor,
    names: string[],
    forUpdate = false,
  ): Promise<Row | undefined> {
    const t = this.table;
    const lock = forUpdate ? this.store.driver.dialect.rowLock : sql``;
    const rows = await ex.all(
      sql`select * from ${t.table} where ${t.sortKey} = ${names.join(SORT_KEY_SEPARATOR)} ${lock}`,
    );
    return rows[0];
  }

  private decode(row: Row): StoredObject {
    const { dialect } = this.store.driver;
    const names = String(row.sort_key).split(SORT_KEY_SEPARATOR);
    const object: StoredObject = {
      id: String(row.id),
      level: this.level,
      name: String(row.name),
      labels: parseJsonObject(row.labels) as Record<string, string>,
      annotations: parseJsonObject(row.annotations) as Record<string, string>,
      spec: parseJsonObject(row.spec),
      version: Number(row.version),
      createdAt: dialect.decodeTime(row.created_at),
      updatedAt: dialect.decodeTime(row.updated_at),
    };
    levelsAbove(this.level).forEach((above, index) => {
      object[above as keyof ParentRef] = names[index];
    });
    return object;
  }
}

export class SqlDataStore implements DataStore, SqlHost {
  readonly ecosystems: ObjectStore;
  readonly domains: ObjectStore;
  readonly apps: ObjectStore;
  readonly workspaces: ObjectStore;
  readonly users: SqlUserStore;
  readonly memberships: MembershipStore;
  readonly tokens: TokenStore;
  readonly sessions: SessionStore;
  readonly tickets: TicketStore;
  readonly throttle: ThrottleStore;
  readonly audit: AuditStore;
  readonly settings: SettingStore;
  readonly hosts: HostStore;
  readonly placements: PlacementStore;
  readonly builds: BuildStore;

  constructor(
    readonly driver: SqlDriver,
    /** Where this store's statements go: the driver itself, or an open transaction. */
    readonly executor: SqlExecutor,
    private readonly inTransaction: boolean,
  ) {
    this.ecosystems = new SqlObjectStore(this, 'ecosystem');
    this.domains = new SqlObjectStore(this, 'domain');
    this.apps = new SqlObjectStore(this, 'app');
    this.workspaces = new SqlObjectStore(this, 'workspace');
    this.users = new SqlUserStore(this);
    this.memberships = new SqlMembershipStore(this);
    this.tokens = new SqlTokenStore(this);
    this.sessions = new SqlSessionStore(this);
    this.tickets = new SqlTicketStore(this);
    this.throttle = new SqlThrottleStore(this);
    this.audit = new SqlAuditStore(this);
    this.settings = new SqlSettingStore(this);
    this.hosts = new SqlHostStore(this);
    this.placements = new SqlPlacementStore(this);
    this.builds = new SqlBuildStore(this);
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.driver.dialect.name;
  }

  objects(level: Level): ObjectStore {
    return {
      ecosystem: this.ecosystems,
      domain: this.domains,
      app: this.apps,
      workspace: this.workspaces,
    }[level];
  }

  transaction<T>(fn: (tx: DataStore) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return this.driver.transaction((executor) => fn(new SqlDataStore(this.driver, executor, true)));
  }

  /** Runs a multi-statement change atomically, joining the caller's transaction if there is one. */
  atomically<T>(fn: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    return this.inTransaction ? fn(this.executor) : this.driver.transaction(fn);
  }

  async getContext(userId: string): Promise<ActiveContext> {
    const { contexts: c, levels } = this.driver.dialect;
    const [e, d, a, w] = LEVELS.map((level) => levels[level]);
    const rows = await this.guard('ecosystem', [], () =>
      this.executor.all(sql`
        select ${e!.name} as ecosystem, ${d!.name} as domain, ${a!.name} as app, ${w!.name} as workspace
        from ${c.table}
        left join ${e!.table} on ${e!.id} = ${c.ecosystemId}
        left join ${d!.table} on ${d!.id} = ${c.domainId}
        left join ${a!.table} on ${a!.id} = ${c.appId}
        left join ${w!.table} on ${w!.id} = ${c.workspaceId}
        where ${c.userId} = ${userId}`),
    );
    const context: ActiveContext = {};
    for (const level of LEVELS) {
      const name = rows[0]?.[level];
      if (typeof name === 'string') context[level] = name;
    }
    return context;
  }

  async setContext(userId: string, wanted: ActiveContext): Promise<ActiveContext> {
    const given = LEVELS.filter((level) => wanted[level] !== undefined);
    const names: string[] = [];
    if (given.length > 0) {
      const current = await this.getContext(userId);
      const highest = depth(given[0]!);
      const deepest = depth(given[given.length - 1]!);
      const errors: FieldError[] = [];
      for (let i = 0; i <= deepest; i++) {
        const level = LEVELS[i]!;
        const name = i < highest ? current[level] : wanted[level];
        if (name === undefined) {
          const message =
            i < highest
              ? `is not set in the current context; name it too`
              : `is required when a level below it is given`;
          errors.push({ path: `context.${level}`, message });
          continue;
        }
        const problem = nameProblem(name);
        if (problem) errors.push({ path: `context.${level}`, message: problem });
        names.push(name);
      }
      if (errors.length > 0) {
        throw invalid(
          `The context is not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
          errors,
        );
      }
    }
    await this.guard('ecosystem', names, async () => {
      const ids: Partial<Record<Level, string>> = {};
      if (names.length > 0) {
        const level = LEVELS[names.length - 1]!;
        const row = await this.resolveObject(this.executor, level, names);
        Object.assign(ids, await this.resolveAncestors(this.executor, level, names), {
          [level]: row.id,
        });
      }
      const c = this.driver.dialect.contexts;
      const columns = [c.userId, c.ecosystemId, c.domainId, c.appId, c.workspaceId, c.updatedAt];
      const values = [
        userId,
        ids.ecosystem ?? null,
        ids.domain ?? null,
        ids.app ?? null,
        ids.workspace ?? null,
      ];
      const id = (column: LevelTable['id']) => sql.identifier(column.name);
      await this.executor.run(sql`
        insert into ${c.table} (${sql.join(columns.map(id), sql`, `)})
        values (${sql.join(
          values.map((v) => sql`${v}`),
          sql`, `,
        )}, ${this.driver.dialect.encodeTime(new Date())})
        on conflict (${id(c.userId)}) do update set
        ${sql.join(
          columns.slice(1).map((column) => sql`${id(column)} = excluded.${id(column)}`),
          sql`, `,
        )}`);
    });
    return this.getContext(userId);
  }

  async ping(): Promise<void> {
    await this.guard('ecosystem', [], () => this.executor.all(sql`select 1 as ok`));
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  /** The row (id and ancestor ids) of an object that must exist; NOT_FOUND names what is missing. */
  async resolveObject(ex: SqlExecutor, level: Level, names: string[]): Promise<Row> {
    const t = this.driver.dialect.levels[level];
    const [row] = await ex.all(
      sql`select * from ${t.table} where ${t.sortKey} = ${names.join(SORT_KEY_SEPARATOR)}`,
    );
    if (row) return row;
    if (names.length > 1) await this.resolveAncestors(ex, level, names);
    throw new AppError('NOT_FOUND', `${describe(level, names)} not found.`);
  }

  /** Ids of the ancestors of the object named by `names` (whose own row need not exist). */
  async resolveAncestors(
    ex: SqlExecutor,
    level: Level,
    names: string[],
  ): Promise<Partial<Record<Level, string>>> {
    const above = levelsAbove(level);
    if (above.length === 0) return {};
    const parentLevel = above[above.length - 1]!;
    const parentNamesOnly = names.slice(0, above.length);
    const t = this.driver.dialect.levels[parentLevel];
    const [row] = await ex.all(
      sql`select * from ${t.table} where ${t.sortKey} = ${parentNamesOnly.join(SORT_KEY_SEPARATOR)}`,
    );
    if (!row) {
      // Walk down from the top so the message names the first missing level.
      for (let i = 1; i <= above.length; i++) {
        const probeLevel = LEVELS[i - 1]!;
        const probe = this.driver.dialect.levels[probeLevel];
        const [found] = await ex.all(
          sql`select 1 as ok from ${probe.table} where ${probe.sortKey} = ${names.slice(0, i).join(SORT_KEY_SEPARATOR)}`,
        );
        if (!found)
          throw new AppError('NOT_FOUND', `${describe(probeLevel, names.slice(0, i))} not found.`);
      }
      throw new AppError('NOT_FOUND', `${describe(parentLevel, parentNamesOnly)} not found.`);
    }
    const ids: Partial<Record<Level, string>> = { [parentLevel]: String(row.id) };
    for (const ancestor of levelsAbove(parentLevel)) ids[ancestor] = String(row[`${ancestor}_id`]);
    return ids;
  }

  /** Maps driver errors to AppError codes users can act on; lets AppErrors through unchanged. */
  async guard<T>(level: Level, names: string[], fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (isAppError(error)) throw error;
      const kind = this.driver.dialect.classifyError(error);
      const what = names.length > 0 ? describe(level, names) : `the ${level}`;
      switch (kind) {
        case 'unique':
          throw new AppError('ALREADY_EXISTS', `${what} already exists.`, { cause: error });
        case 'foreign-key':
          throw new AppError(
            'CONFLICT',
            `${what} changed while this request ran (a parent was removed or a child was added). Retry.`,
            { cause: error },
          );
        case 'busy':
          throw new AppError('UNAVAILABLE', 'The database is busy; retry in a moment.', {
            cause: error,
          });
        case 'connection':
          throw new AppError('UNAVAILABLE', 'The database cannot be reached.', { cause: error });
        default:
          throw error;
      }
    }
  }
}

export function createSqlDataStore(driver: SqlDriver): DataStore {
  return new SqlDataStore(driver, driver, false);
}
