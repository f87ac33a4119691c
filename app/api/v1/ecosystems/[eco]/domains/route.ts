// GET|POST /api/v1/ecosystems/{eco}/domains — list the ecosystem's domains (?limit, ?cursor, ?labelSelector); create one (owners)

import { createHandler, listHandler } from '@/lib/http/resource-handlers';
import { type EcosystemParams, domainParent } from '@/lib/http/resource-requests';
import { apiRoute } from '@/lib/http/route';

export const GET = apiRoute<EcosystemParams>(listHandler('domain', domainParent));
export const POST = apiRoute<EcosystemParams>(createHandler('domain', domainParent));
