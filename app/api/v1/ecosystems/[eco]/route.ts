// GET|PUT|PATCH|DELETE /api/v1/ecosystems/{eco} — one ecosystem: read; replace (owners); merge-patch (owners); delete (administrators, ?cascade=true)

import {
  deleteHandler,
  getHandler,
  patchHandler,
  replaceHandler,
} from '@/lib/http/resource-handlers';
import { type EcosystemParams, ecosystemKey } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<EcosystemParams>(getHandler('ecosystem', ecosystemKey));
export const PUT = apiRoute<EcosystemParams>(replaceHandler('ecosystem', ecosystemKey));
export const PATCH = apiRoute<EcosystemParams>(patchHandler('ecosystem', ecosystemKey));
export const DELETE = apiRoute<EcosystemParams>(deleteHandler('ecosystem', ecosystemKey));
