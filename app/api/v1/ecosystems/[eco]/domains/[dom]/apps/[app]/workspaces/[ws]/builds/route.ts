// GET /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws}/builds — the workspace's builds, newest first (?limit, ?cursor; any member)

import { listBuildsHandler } from '@/lib/http/build-handlers';
import type { WorkspaceParams } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<WorkspaceParams>(listBuildsHandler);
