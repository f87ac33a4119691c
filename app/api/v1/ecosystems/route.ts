// GET|POST /api/v1/ecosystems — list the ecosystems the caller can see (?limit, ?cursor, ?labelSelector); create one (administrators)

import { createHandler, listHandler } from '@/lib/http/resource-handlers';
import { apiRoute } from '@/lib/http/route';

const noParent = () => ({});

export const GET = apiRoute(listHandler('ecosystem', noParent));
export const POST = apiRoute(createHandler('ecosystem', noParent));
