// POST /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws}/builds/{id}/cancel — cancel a queued or running build (developers)

import { type BuildParams, cancelBuildHandler } from '@/lib/http/build-handlers';
import { apiRoute } from '@/lib/http/route';

export const POST = apiRoute<BuildParams>(cancelBuildHandler);
