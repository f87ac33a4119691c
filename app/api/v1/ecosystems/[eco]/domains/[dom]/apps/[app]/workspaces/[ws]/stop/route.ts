// POST /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws}/stop — stop the workspace's container on its host (developers)

import type { WorkspaceParams } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';
import { lifecycleHandler } from '@/lib/http/workspace-handlers';

export const POST = apiRoute<WorkspaceParams>(lifecycleHandler('stop'));
