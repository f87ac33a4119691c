// POST /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws}/build — queue a build of the workspace's image (developers): 202 with the build and Location

import { requestBuildHandler } from '@/lib/http/build-handlers';
import type { WorkspaceParams } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';

export const POST = apiRoute<WorkspaceParams>(requestBuildHandler);
