// Terminal sessions as resources of a workspace (issue P1.6). Sessions live on the agent of the
// host the workspace is placed on; the control plane keeps no record of them, so everything here
// is asked of the agent, and a session is mapped back to its workspace by its container name.
//
//   listTerminals           read       sessions in the workspace's container
//   openTerminal            operate    a new session, owned by the caller; audited (terminal.open)
//   closeTerminal           operate    ends the session's process; audited (terminal.close)
//   authorizeTerminalSocket            on every (re)connect: owner or operate → read-write,
//                                      read → read-only viewer; anything else is refused

import { AppError } from '@/lib/errors';
import type { TerminalHost, TerminalInfo } from '@/lib/hosts/terminal-host';
import type { JsonObject, ObjectKey, StoredObject } from '@/lib/store/data-store';
import type { HostRecord, PlacementRecord } from '@/lib/store/host-store';
import { nowOf } from '../action-context';
import { auditEntry } from '../audit-entry';
import { authorize, can } from '../authorize';
import { objectTarget } from '../object-rules';
import type { TerminalContext } from './terminal-connector';

export interface OpenTerminalInput {
  title?: string;
  command?: string[];
  cols?: number;
  rows?: number;
}

/** The socket path a browser or CLI connects to for a session. */
export function terminalSocketPath(id: string): string {
  return `/ws/terminals/${encodeURIComponent(id)}`;
}

/** A session as the API shows it. */
export function terminalView(info: TerminalInfo): JsonObject {
  return {
    id: info.id,
    title: info.title,
    command: info.command,
    state: info.state,
    socketPath: terminalSocketPath(info.id),
    ownerId: info.ownerId,
    startedAt: info.createdAt.toISOString(),
    lastActivityAt: info.lastActivityAt.toISOString(),
    cols: info.cols,
    rows: info.rows,
    idleTimeoutSeconds: info.idleTimeoutSeconds,
    viewers: info.viewers.map((viewer) => ({
      userId: viewer.userId,
      readOnly: viewer.readOnly,
      driver: viewer.driver,
      attachedAt: viewer.attachedAt.toISOString(),
    })),
    ...(info.exit && {
      exit: {
        ...(info.exit.code !== undefined && { code: info.exit.code }),
        ...(info.exit.signal && { signal: info.exit.signal }),
        reason: info.exit.reason,
        at: info.exit.at.toISOString(),
      },
    }),
  };
}

interface Placed {
  workspace: StoredObject;
  placement: PlacementRecord;
  host: HostRecord;
  terminals: TerminalHost;
}

async function placed(ctx: TerminalContext, key: ObjectKey): Promise<Placed | undefined> {
  const workspace = await ctx.store.workspaces.get(key);
  const placement = await ctx.store.placements.find(workspace.id);
  if (!placement) return undefined;
  const host = await ctx.store.hosts.find(placement.host);
  if (!host) return undefined;
  return { workspace, placement, host, terminals: await ctx.terminals.terminalsFor(host) };
}

function notRunning(key: ObjectKey): AppError {
  return new AppError(
    'CONFLICT',
    `Workspace ${objectTarget('workspace', key).slice('workspace '.length)} is not running: start it first (POST …/start).`,
  );
}

export async function listTerminals(ctx: TerminalContext, key: ObjectKey): Promise<JsonObject[]> {
  await authorize(ctx, 'read', key.ecosystem);
  const where = await placed(ctx, key);
  if (!where) {
    await ctx.store.workspaces.get(key); // NOT_FOUND for a missing workspace
    return [];
  }
  const sessions = await where.terminals.list({ container: where.placement.containerName });
  return sessions.map(terminalView);
}

export async function openTerminal(
  ctx: TerminalContext,
  key: ObjectKey,
  input: OpenTerminalInput,
): Promise<JsonObject> {
  await authorize(ctx, 'workspace.operate', key.ecosystem);
  const where = await placed(ctx, key);
  if (!where || where.placement.desired !== 'running' || where.placement.observed !== 'running') {
    throw notRunning(key);
  }
  const info = await where.terminals.create({
    container: where.placement.containerName,
    ownerId: ctx.principal.user.id,
    ...(input.title !== undefined && { title: input.title }),
    ...(input.command !== undefined && input.command.length > 0 && { command: input.command }),
    ...(input.cols !== undefined && { cols: input.cols }),
    ...(input.rows !== undefined && { rows: input.rows }),
  });
  const now = nowOf(ctx);
  await ctx.store.audit.append(
    auditEntry(
      ctx.principal,
      {
        action: 'terminal.open',
        target: objectTarget('workspace', key),
        ecosystem: key.ecosystem!,
        detail: {
          session: info.id,
          host: where.host.name,
          container: info.container,
          command: info.command,
        },
      },
      now,
    ),
  );
  return terminalView(info);
}

/** Session ids are 22 characters of base64url; anything else names no session. */
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

async function sessionIn(where: Placed, id: string): Promise<TerminalInfo> {
  if (!SESSION_ID.test(id)) throw new AppError('NOT_FOUND', `terminal "${id}" not found.`);
  const info = await where.terminals.get(id);
  if (info.container !== where.placement.containerName) {
    throw new AppError('NOT_FOUND', `terminal "${id}" not found.`);
  }
  return info;
}

export async function closeTerminal(
  ctx: TerminalContext,
  key: ObjectKey,
  id: string,
): Promise<JsonObject> {
  await authorize(ctx, 'workspace.operate', key.ecosystem);
  const where = await placed(ctx, key);
  if (!where) throw new AppError('NOT_FOUND', `terminal "${id}" not found.`);
  await sessionIn(where, id);
  const info = await where.terminals.close(id);
  await ctx.store.audit.append(
    auditEntry(
      ctx.principal,
      {
        action: 'terminal.close',
        target: objectTarget('workspace', key),
        ecosystem: key.ecosystem!,
        detail: { session: id, host: where.host.name },
      },
      nowOf(ctx),
    ),
  );
  return terminalView(info);
}

export interface TerminalSocketGrant {
  terminals: TerminalHost;
  session: TerminalInfo;
  readOnly: boolean;
  ecosystem: string;
  workspace: string;
}

/**
 * Decides, on every (re)connect, how the caller may attach to a session: the session's owner or
 * anyone who may operate the workspace gets a writable viewer, anyone who may read it a read-only
 * one. The session is found on the hosts' agents and mapped to its workspace by container name,
 * so this works after a control-plane restart. NOT_FOUND (also for sessions the caller cannot
 * see), FORBIDDEN, UNAVAILABLE (the host's agent cannot be reached).
 */
export async function authorizeTerminalSocket(
  ctx: TerminalContext,
  sessionId: string,
): Promise<TerminalSocketGrant> {
  const notFound = new AppError('NOT_FOUND', `terminal "${sessionId}" not found.`);
  if (!SESSION_ID.test(sessionId)) throw notFound;
  let unreachable: AppError | undefined;
  let cursor: string | undefined;
  do {
    const page = await ctx.store.hosts.list({ limit: 500, ...(cursor && { cursor }) });
    for (const host of page.items) {
      if (!host.address || !host.credentialCiphertext) continue;
      let session: TerminalInfo;
      let terminals: TerminalHost;
      try {
        terminals = await ctx.terminals.terminalsFor(host);
        session = await terminals.get(sessionId);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== 'NOT_FOUND' && error instanceof Error) {
          unreachable ??= new AppError(
            'UNAVAILABLE',
            `The agent of host "${host.name}" cannot be reached: ${error.message}`,
          );
        }
        continue;
      }
      const placement = (await ctx.store.placements.listByHost(host.name)).find(
        (p) => p.containerName === session.container,
      );
      if (!placement) throw notFound;
      const ecosystem = placement.ecosystem;
      try {
        await authorize(ctx, 'read', ecosystem);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'FORBIDDEN') throw notFound;
        throw error;
      }
      const owner = session.ownerId !== '' && session.ownerId === ctx.principal.user.id;
      const operate = await can(ctx, 'workspace.operate', ecosystem);
      return {
        terminals,
        session,
        readOnly: !(owner || operate),
        ecosystem,
        workspace: `${placement.ecosystem}/${placement.domain}/${placement.app}/${placement.workspace}`,
      };
    }
    cursor = page.nextCursor;
  } while (cursor);
  throw unreachable ?? notFound;
}
