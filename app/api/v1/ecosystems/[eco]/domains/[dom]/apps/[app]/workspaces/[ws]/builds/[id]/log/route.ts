// GET /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app}/workspaces/{ws}/builds/{id}/log — the build's log as text, or ?follow=true as Server-Sent Events (any member)

import { type BuildParams, buildLogHandler } from '@/lib/http/build-handlers';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<BuildParams>(buildLogHandler);
