// GET|PUT|PATCH|DELETE /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws} — one workspace: read; replace, merge-patch or delete (developers)

import {
  deleteHandler,
  getHandler,
  patchHandler,
  replaceHandler,
} from '@/lib/http/resource-handlers';
import { type WorkspaceParams, workspaceKey } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<WorkspaceParams>(getHandler('workspace', workspaceKey));
export const PUT = apiRoute<WorkspaceParams>(replaceHandler('workspace', workspaceKey));
export const PATCH = apiRoute<WorkspaceParams>(patchHandler('workspace', workspaceKey));
export const DELETE = apiRoute<WorkspaceParams>(deleteHandler('workspace', workspaceKey));
