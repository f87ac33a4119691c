// GET|PUT|PATCH|DELETE /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws} — one workspace: read (with its runtime state); replace, merge-patch or delete (developers)

import { deleteHandler, patchHandler, replaceHandler } from '@/lib/http/resource-handlers';
import { type WorkspaceParams, workspaceKey } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';
import { getWorkspaceHandler } from '@/lib/http/workspace-handlers';

export const GET = apiRoute<WorkspaceParams>(getWorkspaceHandler);
export const PUT = apiRoute<WorkspaceParams>(replaceHandler('workspace', workspaceKey));
export const PATCH = apiRoute<WorkspaceParams>(patchHandler('workspace', workspaceKey));
export const DELETE = apiRoute<WorkspaceParams>(deleteHandler('workspace', workspaceKey));
