// GET|DELETE /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws}/builds/{id} — one build (any member); cancel it (developers)

import { type BuildParams, cancelBuildHandler, getBuildHandler } from '@/lib/http/build-handlers';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<BuildParams>(getBuildHandler);
export const DELETE = apiRoute<BuildParams>(cancelBuildHandler);
