// GET|PUT|PATCH|DELETE /api/v1/ecosystems/{eco}/domains/{dom}/apps/{app} — one app: read; replace, merge-patch or delete (?cascade=true) (developers)

import {
  deleteHandler,
  getHandler,
  patchHandler,
  replaceHandler,
} from '@/lib/http/resource-handlers';
import { type AppParams, appKey } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<AppParams>(getHandler('app', appKey));
export const PUT = apiRoute<AppParams>(replaceHandler('app', appKey));
export const PATCH = apiRoute<AppParams>(patchHandler('app', appKey));
export const DELETE = apiRoute<AppParams>(deleteHandler('app', appKey));
