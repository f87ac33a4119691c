// The terminal routes of a workspace (issue P1.6): list its sessions, open one (201 with the
// session and the WebSocket path to attach to), and close one. Sessions live on the workspace's
// host agent; the socket itself is served by server.ts at /ws/terminals/{id}.
import { z } from 'zod';
import {
  closeTerminal,
  listTerminals,
  openTerminal,
  type OpenTerminalInput,
} from '@/lib/domain/terminals/terminals';
import { queryObject, readJsonBody } from './body';
import { defined, parseInput } from './identity-requests';
import { noQuery, resourcePath, workspaceKey, type WorkspaceParams } from './resource-requests';
import { json, type AuthenticatedRequest } from './route';

export interface TerminalParams extends WorkspaceParams {
  id: string;
}

type Handler<P> = (call: AuthenticatedRequest<P>) => Promise<Response>;

export const openTerminalBody = z.strictObject({
  title: z
    .string()
    .max(80)
    .regex(/^[^\p{Cc}]*$/u, 'No control characters.')
    .optional(),
  command: z.array(z.string().min(1).max(4096)).max(64).optional(),
  cols: z.number().int().min(1).max(1000).optional(),
  rows: z.number().int().min(1).max(1000).optional(),
});

const dateTime = z.iso.datetime();

/** A session as GET/POST/DELETE answer it (lib/domain/terminals/terminals.ts terminalView). */
export const terminalSchema = z.object({
  id: z.string(),
  title: z.string(),
  command: z.array(z.string()),
  state: z.enum(['running', 'exited']),
  socketPath: z.string().meta({ description: 'Attach here: WS /ws/terminals/{id}.' }),
  ownerId: z.string(),
  startedAt: dateTime,
  lastActivityAt: dateTime,
  cols: z.number().int(),
  rows: z.number().int(),
  idleTimeoutSeconds: z.number().int(),
  viewers: z.array(
    z.object({
      userId: z.string(),
      readOnly: z.boolean(),
      driver: z.boolean(),
      attachedAt: dateTime,
    }),
  ),
  exit: z
    .object({
      code: z.number().int().optional(),
      signal: z.string().optional(),
      reason: z.string(),
      at: dateTime,
    })
    .optional(),
});

export const terminalListSchema = z.object({
  items: z.array(terminalSchema),
  nextCursor: z.null(),
});

function terminalsPath(params: WorkspaceParams): string {
  return `${resourcePath({
    level: 'workspace',
    ecosystem: params.eco,
    domain: params.dom,
    app: params.app,
    name: params.ws,
  })}/terminals`;
}

/** `GET …/workspaces/{ws}/terminals` — running and recently exited sessions, oldest first. */
export const listTerminalsHandler: Handler<WorkspaceParams> = async ({
  request,
  params,
  ctx,
  runtime,
}) => {
  parseInput(noQuery, queryObject(request), 'The query');
  const items = await listTerminals({ ...ctx, terminals: runtime.hosts }, workspaceKey(params));
  return json({ items, nextCursor: null });
};

/** `POST …/workspaces/{ws}/terminals` — 201 with the new session and `Location`. */
export const openTerminalHandler: Handler<WorkspaceParams> = async ({
  request,
  params,
  ctx,
  runtime,
}) => {
  parseInput(noQuery, queryObject(request), 'The query');
  const body = parseInput(openTerminalBody, await readJsonBody(request), 'The request body');
  const session = await openTerminal(
    { ...ctx, terminals: runtime.hosts },
    workspaceKey(params),
    defined(body) as OpenTerminalInput,
  );
  const location = `${terminalsPath(params)}/${encodeURIComponent(String(session.id))}`;
  return json(session, { status: 201, headers: { Location: location } });
};

/** `DELETE …/terminals/{id}` — ends the session's process; the session as it ended. */
export const closeTerminalHandler: Handler<TerminalParams> = async ({
  request,
  params,
  ctx,
  runtime,
}) => {
  parseInput(noQuery, queryObject(request), 'The query');
  const session = await closeTerminal(
    { ...ctx, terminals: runtime.hosts },
    workspaceKey(params),
    params.id,
  );
  return json(session);
};
