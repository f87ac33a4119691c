// The identity half of the DataStore: users, ecosystem memberships, API tokens, browser sessions,
// single-use socket tickets, sign-in throttling, the audit log and server settings. The store only
// keeps records; policy (who may do what, how long to back off, how secrets are hashed) lives in
// lib/auth and lib/domain. Secrets never reach the store in clear: tokens, tickets and passwords
// arrive hashed.
import type { JsonObject, JsonValue, ListOptions, Page } from './store-types';

export type EcosystemRole = 'owner' | 'developer' | 'viewer';
export type TokenScope = 'read' | 'write' | 'admin';
export type AuditSource = 'ui' | 'api' | 'cli' | 'system';

export interface UserRecord {
  id: string;
  /** Lower-cased; unique. */
  email: string;
  name: string;
  /** Absent for users who sign in only through SSO or have not set a password yet. */
  passwordHash?: string;
  isAdmin: boolean;
  disabled: boolean;
  /** Set for users created with an initial password: they must choose their own first. */
  mustChangePassword: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastSignInAt?: Date;
}

export interface NewUser {
  email: string;
  name?: string;
  passwordHash?: string;
  isAdmin?: boolean;
  mustChangePassword?: boolean;
}

export interface UserPatch {
  name?: string;
  passwordHash?: string;
  isAdmin?: boolean;
  disabled?: boolean;
  mustChangePassword?: boolean;
  lastSignInAt?: Date;
}

export interface UserStore {
  /** ALREADY_EXISTS when the email is taken (case-insensitively). */
  create(user: NewUser): Promise<UserRecord>;
  /**
   * Creates `user` as an admin only when no user exists yet, atomically: of two concurrent
   * first-run setups exactly one wins. Returns undefined when users already exist.
   */
  createFirstAdmin(user: NewUser): Promise<UserRecord | undefined>;
  get(id: string): Promise<UserRecord>;
  find(id: string): Promise<UserRecord | undefined>;
  findByEmail(email: string): Promise<UserRecord | undefined>;
  /** Ordered by email. */
  list(options?: ListOptions): Promise<Page<UserRecord>>;
  count(): Promise<number>;
  update(id: string, patch: UserPatch): Promise<UserRecord>;
}

export interface MembershipRecord {
  userId: string;
  email: string;
  ecosystem: string;
  role: EcosystemRole;
  createdAt: Date;
}

export interface MembershipStore {
  /** Adds the user to the ecosystem or changes their role. NOT_FOUND for an unknown user or ecosystem. */
  set(ecosystem: string, userId: string, role: EcosystemRole): Promise<MembershipRecord>;
  /** Returns whether a membership was removed. */
  remove(ecosystem: string, userId: string): Promise<boolean>;
  listForEcosystem(ecosystem: string): Promise<MembershipRecord[]>;
  listForUser(userId: string): Promise<MembershipRecord[]>;
  roleOf(userId: string, ecosystem: string): Promise<EcosystemRole | undefined>;
}

export interface TokenRecord {
  id: string;
  userId: string;
  name: string;
  /** The first characters of the secret, shown so users can tell tokens apart. */
  prefix: string;
  scope: TokenScope;
  createdAt: Date;
  expiresAt?: Date;
  lastUsedAt?: Date;
  revokedAt?: Date;
}

export interface NewToken {
  userId: string;
  name: string;
  prefix: string;
  /** A one-way hash of the secret; the secret itself is never stored. */
  secretHash: string;
  scope: TokenScope;
  expiresAt?: Date;
}

export interface TokenStore {
  create(token: NewToken): Promise<TokenRecord>;
  get(id: string): Promise<TokenRecord>;
  findBySecretHash(secretHash: string): Promise<TokenRecord | undefined>;
  /** Newest first. */
  listForUser(userId: string): Promise<TokenRecord[]>;
  /** Idempotent: revoking a revoked token keeps the first revocation time. */
  revoke(id: string, at: Date): Promise<TokenRecord>;
  touch(id: string, at: Date): Promise<void>;
}

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt?: Date;
}

export interface SessionStore {
  create(session: { id: string; userId: string; expiresAt: Date }): Promise<SessionRecord>;
  find(id: string): Promise<SessionRecord | undefined>;
  revoke(id: string, at: Date): Promise<void>;
  /** Revokes every live session of the user (disable, password change); returns how many. */
  revokeAllForUser(userId: string, at: Date): Promise<number>;
}

export interface TicketRecord {
  userId: string;
  /** What the ticket opens, e.g. `terminal:<sessionId>`. */
  purpose: string;
  expiresAt: Date;
}

export interface TicketStore {
  create(ticket: TicketRecord & { secretHash: string }): Promise<void>;
  /**
   * Marks the ticket used and returns it, only if it exists, is unused and has not expired at
   * `now` — atomically, so a ticket opens at most one socket.
   */
  consume(secretHash: string, now: Date): Promise<TicketRecord | undefined>;
}

export interface ThrottleRecord {
  key: string;
  failures: number;
  /** When the current run of failures started. */
  firstFailureAt: Date;
  lastFailureAt: Date;
}

export interface ThrottleStore {
  get(key: string): Promise<ThrottleRecord | undefined>;
  /** Counts one more failure; a run older than `windowMs` starts again at 1. */
  recordFailure(key: string, now: Date, windowMs: number): Promise<ThrottleRecord>;
  clear(key: string): Promise<void>;
}

export interface AuditEvent {
  id: string;
  time: Date;
  actorId?: string;
  /** Who, for people reading the log: an email, `token:<prefix>` or `system`. */
  actor: string;
  source: AuditSource;
  /** Dotted verb, e.g. `ecosystem.create`, `auth.sign_in_failed`, `token.revoke`. */
  action: string;
  /** The object acted on, e.g. `workspace platform/backend/api/dev` or `user alice@example.com`. */
  target?: string;
  /** The ecosystem the object belongs to, kept by name so the entry outlives the ecosystem. */
  ecosystem?: string;
  before?: JsonValue;
  after?: JsonValue;
  detail?: JsonObject;
  address?: string;
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'time'> & { time?: Date };

export interface AuditFilter {
  /** Only events of these ecosystems (an owner's view); undefined means all (an admin's view). */
  ecosystems?: string[];
  actorId?: string;
  action?: string;
  /** Events whose target starts with this text (`workspace eco/`, `host build-1`), case as stored. */
  targetPrefix?: string;
  source?: AuditSource;
  since?: Date;
  until?: Date;
}

export interface AuditStore {
  append(event: NewAuditEvent): Promise<AuditEvent>;
  /** Newest first, keyset-paginated. */
  list(filter?: AuditFilter, options?: ListOptions): Promise<Page<AuditEvent>>;
}

export interface SettingStore {
  /** The stored value, or `value` stored and returned when the key is new (first writer wins). */
  getOrCreate(key: string, value: string): Promise<string>;
}
