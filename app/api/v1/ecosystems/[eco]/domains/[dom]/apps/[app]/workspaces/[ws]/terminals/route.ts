// GET|POST /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws}/terminals — the workspace's terminal sessions (any member); open one (developers)

import type { WorkspaceParams } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';
import { listTerminalsHandler, openTerminalHandler } from '@/lib/http/terminal-handlers';

export const GET = apiRoute<WorkspaceParams>(listTerminalsHandler);
export const POST = apiRoute<WorkspaceParams>(openTerminalHandler);
