// The DataStore is the only way the control plane reads and writes persistent state. Two
// implementations (SQLite, PostgreSQL) pass one contract suite; callers never see the dialect.
// Every multi-statement change happens inside one method or inside `transaction`, which hands the
// callback a transaction-scoped store: using the outer store inside the callback is a bug.

import type { JsonObject, ListOptions, Page } from './store-types';
import type {
  AuditStore,
  MembershipStore,
  SessionStore,
  SettingStore,
  ThrottleStore,
  TicketStore,
  TokenStore,
  UserStore,
} from './identity-store';
import type { BuildStore } from './build-store';
import type { HostStore, PlacementStore } from './host-store';

export type { JsonObject, JsonValue, ListOptions, Page } from './store-types';
// The builds half is re-exported so the domain reaches it through the DataStore interface.
export type {
  BuildEvent,
  BuildEventType,
  BuildFailure,
  BuildRecord,
  BuildResult,
  BuildStatus,
  BuildStep,
  BuildStore,
  FinishedBuildStatus,
  NewBuildEvent,
  PreparedBuild,
} from './build-store';
export { BUILD_LOG_LIMIT_BYTES, isFinished } from './build-store';

/** The four levels of the hierarchy, top to bottom. */
export type Level = 'ecosystem' | 'domain' | 'app' | 'workspace';

/** Parent names; which ones are required depends on the level. */
export interface ParentRef {
  ecosystem?: string;
  domain?: string;
  app?: string;
}

export interface ObjectKey extends ParentRef {
  name: string;
}

/** What a caller writes: the user-owned part of a manifest. */
export interface ObjectInput {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  spec?: JsonObject;
}

/** What the store returns: the input as written plus identity and bookkeeping. */
export interface StoredObject {
  id: string;
  level: Level;
  name: string;
  /** Parent names, filled for every level below ecosystem. */
  ecosystem?: string;
  domain?: string;
  app?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: JsonObject;
  /** Incremented on every update; pass it back as `expectedVersion` for optimistic concurrency. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ReadOptions {
  /**
   * Inside a transaction: keep others from changing the object until it ends, for a
   * read-modify-write that must not lose a concurrent update (PostgreSQL `FOR UPDATE`; SQLite's
   * write transactions are serialised already).
   */
  forUpdate?: boolean;
}

export interface UpdateOptions {
  /** When set, the update fails with CONFLICT unless the stored version still matches. */
  expectedVersion?: number;
}

export interface DeleteOptions {
  /** Remove everything below as well, in one transaction. Without it, children refuse the delete. */
  cascade?: boolean;
}

export interface DeleteResult {
  /** How many objects were removed per level, including the one asked for. */
  removed: Record<Level, number>;
}

/** A user's active selection, like `dvm use`. Every field may be absent. */
export interface ActiveContext {
  ecosystem?: string;
  domain?: string;
  app?: string;
  workspace?: string;
}

export interface ObjectStore {
  create(parent: ParentRef, input: ObjectInput): Promise<StoredObject>;
  get(key: ObjectKey, options?: ReadOptions): Promise<StoredObject>;
  /** Like `get`, but returns undefined instead of NOT_FOUND for the object itself (parents must exist). */
  find(key: ObjectKey, options?: ReadOptions): Promise<StoredObject | undefined>;
  /** Lists children of `parent` (or all when a parent is omitted), ordered by parent path then name. */
  list(parent: ParentRef, options?: ListOptions): Promise<Page<StoredObject>>;
  /** Replaces labels, annotations and spec; the name and parents never change. */
  update(key: ObjectKey, input: ObjectInput, options?: UpdateOptions): Promise<StoredObject>;
  delete(key: ObjectKey, options?: DeleteOptions): Promise<DeleteResult>;
  count(parent: ParentRef): Promise<number>;
  /**
   * How many objects of this level lie under each of several objects of a higher level, by their
   * ids, in one query (a list page's counts). Ids with nothing below them come back as 0; at most
   * 500 ids, else INVALID.
   */
  countUnder(ancestor: Level, ancestorIds: readonly string[]): Promise<Record<string, number>>;
}

export interface DataStore {
  readonly dialect: 'sqlite' | 'postgres';
  readonly ecosystems: ObjectStore;
  readonly domains: ObjectStore;
  readonly apps: ObjectStore;
  readonly workspaces: ObjectStore;

  readonly users: UserStore;
  readonly memberships: MembershipStore;
  readonly tokens: TokenStore;
  readonly sessions: SessionStore;
  readonly tickets: TicketStore;
  readonly throttle: ThrottleStore;
  readonly audit: AuditStore;
  readonly settings: SettingStore;

  /** The hosts agents run on, and where each workspace's container lives. */
  readonly hosts: HostStore;
  readonly placements: PlacementStore;
  /** Builds of workspace images: records, progress events and logs. */
  readonly builds: BuildStore;
  /** Returns the store of one level, for code that walks the hierarchy. */
  objects(level: Level): ObjectStore;

  getContext(userId: string): Promise<ActiveContext>;
  /**
   * Sets the user's active context. Names are checked against the hierarchy; setting a level
   * clears the levels below it unless they are given too.
   */
  setContext(userId: string, context: ActiveContext): Promise<ActiveContext>;

  /**
   * Runs `fn` in one transaction: all of its writes commit together or none do. Nested calls
   * join the outer transaction.
   */
  transaction<T>(fn: (tx: DataStore) => Promise<T>): Promise<T>;

  /** Checks the connection; throws UNAVAILABLE when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
