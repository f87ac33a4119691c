// POST /api/v1/tickets — a short-lived, single-use ticket for opening one WebSocket (?ticket=)

import { mintSocketTicket } from '@/lib/domain/mint-socket-ticket';
import { readJsonBody } from '@/lib/http/body';
import { mintTicketRequest, parseInput } from '@/lib/http/identity-requests';
import { apiRoute, json } from '@/lib/http/route';

export const POST = apiRoute(async ({ request, ctx }) => {
  const body = parseInput(mintTicketRequest, await readJsonBody(request), 'The ticket');
  return json(await mintSocketTicket(ctx, body), { status: 201 });
});
