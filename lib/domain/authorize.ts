// Who may do what: the one role matrix (DESIGN.md §7) and the check every use case runs first.
// Admins may do everything; everyone else needs a role in the ecosystem concerned. A token's
// scope caps what it may do whoever holds it; browser sessions are not capped. Users who cannot
// even read an ecosystem get NOT_FOUND, exactly like a missing one, so names do not leak.

import { AppError } from '@/lib/errors';

import type { EcosystemRole, TokenScope } from '@/lib/store/identity-store';
import type { ActionContext } from './action-context';

export type Action =
  | 'read'
  | 'ecosystem.create'
  | 'ecosystem.update'
  | 'ecosystem.delete'
  | 'domain.write'
  | 'app.write'
  | 'workspace.write'
  | 'workspace.operate'
  | 'members.manage'
  | 'users.read'
  | 'users.manage'
  | 'audit.read'
  | 'hosts.read'
  | 'hosts.manage';

export interface Permission {
  /** Ecosystem roles allowed; empty means administrators only (unless `everyone`). */
  roles: readonly EcosystemRole[];
  /** Any signed-in user may, whatever their roles: for things outside every ecosystem. */
  everyone?: boolean;
  /** The least token scope that may do it. */
  scope: TokenScope;
  /** For messages: "… to <what>". */
  what: string;
}

/** The role matrix. Admins are allowed everything (within their token's scope). */
export const PERMISSIONS: Readonly<Record<Action, Permission>> = {
  read: { roles: ['owner', 'developer', 'viewer'], scope: 'read', what: 'read it' },
  'ecosystem.create': { roles: [], scope: 'admin', what: 'create ecosystems' },
  'ecosystem.update': { roles: ['owner'], scope: 'write', what: 'change the ecosystem' },
  'ecosystem.delete': { roles: [], scope: 'admin', what: 'delete ecosystems' },
  'domain.write': { roles: ['owner'], scope: 'write', what: 'create, change or delete domains' },
  'app.write': {
    roles: ['owner', 'developer'],
    scope: 'write',
    what: 'create, change or delete apps',
  },
  'workspace.write': {
    roles: ['owner', 'developer'],
    scope: 'write',
    what: 'create, change or delete workspaces',
  },
  'workspace.operate': {
    roles: ['owner', 'developer'],
    scope: 'write',
    what: 'build, start, stop or open terminals in workspaces',
  },
  'members.manage': { roles: ['owner'], scope: 'write', what: 'manage members' },
  'users.read': { roles: [], scope: 'read', what: 'list users' },
  'users.manage': { roles: [], scope: 'admin', what: 'manage users' },
  'audit.read': { roles: ['owner'], scope: 'read', what: 'read the audit log' },
  // Everyone sees which hosts exist and how they are, to understand where workspaces run;
  // registering agents decides where code runs, so only administrators manage hosts.
  'hosts.read': { roles: [], everyone: true, scope: 'read', what: 'see hosts' },
  'hosts.manage': { roles: [], scope: 'admin', what: 'register, change or remove hosts' },
};

export const ACTIONS = Object.keys(PERMISSIONS) as Action[];

const SCOPE_RANK: Record<TokenScope, number> = { read: 0, write: 1, admin: 2 };

/** Whether a credential of scope `held` may do what needs `needed`. */
export function scopeAllows(held: TokenScope, needed: TokenScope): boolean {
  return SCOPE_RANK[held] >= SCOPE_RANK[needed];
}

export interface Grant {
  admin: boolean;
  /** The caller's role in the ecosystem, when one was named and they hold one. */
  role?: EcosystemRole;
}

function forbidden(message: string): AppError {
  return new AppError('FORBIDDEN', message);
}

/** The store's own wording, so a hidden ecosystem reads exactly like a missing one. */
export function ecosystemNotFound(ecosystem: string): AppError {
  return new AppError('NOT_FOUND', `ecosystem "${ecosystem}" not found.`);
}

/** Checks that the principal is still allowed to act at all, whatever the action. */
export function requireActive(ctx: ActionContext): void {
  const { user } = ctx.principal;
  if (user.disabled) throw new AppError('UNAUTHENTICATED', 'This account is disabled.');
  if (user.mustChangePassword) {
    throw forbidden('You must change your password before doing anything else.');
  }
}

function scopeProblem(ctx: ActionContext, action: Action): AppError | undefined {
  const needed = PERMISSIONS[action].scope;
  const held = ctx.principal.scope;
  if (scopeAllows(held, needed)) return undefined;
  return forbidden(
    `This API token has the "${held}" scope; "${needed}" is needed to ${PERMISSIONS[action].what}.`,
  );
}

/** The decision for one action, given the caller's role in the ecosystem (looked up once). */
function decide(
  ctx: ActionContext,
  action: Action,
  ecosystem: string | undefined,
  role: EcosystemRole | undefined,
): Grant | AppError {
  const permission = PERMISSIONS[action];
  if (ctx.principal.user.isAdmin) return scopeProblem(ctx, action) ?? { admin: true };
  if (permission.everyone) return scopeProblem(ctx, action) ?? { admin: false };
  if (permission.roles.length === 0) {
    return forbidden(`Only administrators can ${permission.what}.`);
  }
  if (ecosystem === undefined) {
    return forbidden(
      `Only administrators can ${permission.what} across all ecosystems; name an ecosystem.`,
    );
  }
  if (role === undefined) return ecosystemNotFound(ecosystem);
  if (!permission.roles.includes(role)) {
    return forbidden(
      `You need the ${permission.roles.join(' or ')} role in ecosystem "${ecosystem}" to ${permission.what}; you are a ${role}.`,
    );
  }
  return scopeProblem(ctx, action) ?? { admin: false, role };
}

async function roleIn(ctx: ActionContext, ecosystem: string | undefined) {
  if (ctx.principal.user.isAdmin || ecosystem === undefined) return undefined;
  return ctx.store.memberships.roleOf(ctx.principal.user.id, ecosystem);
}

/**
 * Throws unless the principal may do `action` (in `ecosystem`, for role-based actions).
 * FORBIDDEN says which role or scope is needed; NOT_FOUND when the ecosystem is invisible to them.
 */
export async function authorize(
  ctx: ActionContext,
  action: Action,
  ecosystem?: string,
): Promise<Grant> {
  requireActive(ctx);
  const decision = decide(ctx, action, ecosystem, await roleIn(ctx, ecosystem));
  if (decision instanceof AppError) throw decision;
  return decision;
}

/** Like authorize, but answers instead of throwing (for showing or hiding controls). */
export async function can(ctx: ActionContext, action: Action, ecosystem?: string) {
  return (await allowedActions(ctx, ecosystem)).includes(action);
}

/** Every action the principal may do in `ecosystem` (or globally), for a page's controls. */
export async function allowedActions(ctx: ActionContext, ecosystem?: string): Promise<Action[]> {
  const { user } = ctx.principal;
  if (user.disabled || user.mustChangePassword) return [];
  const role = await roleIn(ctx, ecosystem);
  return ACTIONS.filter((action) => !(decide(ctx, action, ecosystem, role) instanceof AppError));
}
