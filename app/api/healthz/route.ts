// GET /api/healthz — liveness and database check

import { hasErrorCode } from '@/lib/errors';
import { getRuntime } from '@/lib/server/runtime';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  try {
    const { store } = await getRuntime();
    await store.ping();
    return Response.json(
      { status: 'ok', database: store.dialect },
      { headers: { 'Cache-Control': 'no-store' } },
    );
  } catch (error) {
    // The detail (host names, driver messages) goes to the log only; probes and users get a
    // stable, actionable answer.
    console.error(
      JSON.stringify({
        time: new Date().toISOString(),
        level: 'error',
        msg: 'healthz: database check failed',
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      }),
    );
    const misconfigured = hasErrorCode(error, 'INVALID');
    return Response.json(
      {
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        detail: misconfigured
          ? 'The server configuration is invalid; see the server log.'
          : 'The database cannot be reached.',
        code: 'UNAVAILABLE',
      },
      {
        status: 503,
        headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' },
      },
    );
  }
}
