// GET|POST /api/v1/ecosystems/{eco}/domains/{dom}/apps — list the domain's apps (?limit, ?cursor, ?labelSelector); create one (developers; kind Project is converted)

import { createHandler, listHandler } from '@/lib/http/resource-handlers';
import { type DomainParams, appParent } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<DomainParams>(listHandler('app', appParent));
export const POST = apiRoute<DomainParams>(createHandler('app', appParent));
