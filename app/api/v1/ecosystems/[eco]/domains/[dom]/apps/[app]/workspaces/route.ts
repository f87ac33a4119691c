// GET|POST /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces — list the app's workspaces (?limit, ?cursor, ?labelSelector); create one (developers)

import { createHandler, listHandler } from '@/lib/http/resource-handlers';
import { type AppParams, workspaceParent } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<AppParams>(listHandler('workspace', workspaceParent));
export const POST = apiRoute<AppParams>(createHandler('workspace', workspaceParent));
