// GET|PUT|PATCH|DELETE /api/v1/ecosystems/{eco}/domains/{dom} — one domain: read; replace, merge-patch or delete (?cascade=true) (owners)

import {
  deleteHandler,
  getHandler,
  patchHandler,
  replaceHandler,
} from '@/lib/http/resource-handlers';
import { type DomainParams, domainKey } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<DomainParams>(getHandler('domain', domainKey));
export const PUT = apiRoute<DomainParams>(replaceHandler('domain', domainKey));
export const PATCH = apiRoute<DomainParams>(patchHandler('domain', domainKey));
export const DELETE = apiRoute<DomainParams>(deleteHandler('domain', domainKey));
