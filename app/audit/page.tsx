// GET /audit — the audit log, newest first, filtered by ecosystem, actor (email), action, resource
// (the start of the target, e.g. `workspace eco/dom/`), source and time; keyset pages.
// Administrators see every event; owners the events of the ecosystems they own (listAudit
// decides); everyone else is told the log is not theirs to read. The filters are a plain GET
// form, so a filtered view is a link that can be shared.

import { Field, SelectField } from '@/components/field';
import { Notice } from '@/components/notice';
import { Time } from '@/components/time';
import { type ListAuditInput, listAudit } from '@/lib/domain/list-audit';
import { hasErrorCode } from '@/lib/errors';
import type { AuditSource } from '@/lib/store/identity-store';
import { contextFor, requirePrincipal } from '@/lib/server/session';

export const dynamic = 'force-dynamic';

const PAGE_SIZE = 50;
const SOURCES: readonly AuditSource[] = ['ui', 'api', 'cli', 'system'];

interface AuditProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

type Filters = Record<
  'ecosystem' | 'actor' | 'action' | 'target' | 'source' | 'since' | 'until',
  string
>;

function single(value: string | string[] | undefined): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** `YYYY-MM-DD` as the start of that day in UTC; undefined for anything else. */
function day(value: string, endOfDay = false): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00.000Z`);
  if (Number.isNaN(date.getTime())) return undefined;
  return endOfDay ? new Date(date.getTime() + 24 * 60 * 60 * 1000) : date;
}

function toInput(filters: Filters, cursor: string | undefined): ListAuditInput {
  const source = SOURCES.find((s) => s === filters.source);
  const since = day(filters.since);
  const until = day(filters.until, true);
  return {
    limit: PAGE_SIZE,
    ...(cursor && { cursor }),
    ...(filters.ecosystem && { ecosystem: filters.ecosystem }),
    ...(filters.actor && { actorEmail: filters.actor }),
    ...(filters.action && { action: filters.action }),
    ...(filters.target && { target: filters.target }),
    ...(source && { source }),
    ...(since && { since }),
    ...(until && { until }),
  };
}

function query(filters: Filters, cursor?: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  if (cursor) params.set('cursor', cursor);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export default async function AuditPage({ searchParams }: AuditProps) {
  const params = await searchParams;
  const filters: Filters = {
    ecosystem: single(params.ecosystem),
    actor: single(params.actor),
    action: single(params.action),
    target: single(params.target),
    source: single(params.source),
    since: single(params.since),
    until: single(params.until),
  };
  const cursor = single(params.cursor) || undefined;
  const principal = await requirePrincipal(`/audit${query(filters, cursor)}`);

  let page;
  try {
    page = await listAudit(await contextFor(principal), toInput(filters, cursor));
  } catch (error) {
    if (hasErrorCode(error, 'FORBIDDEN')) {
      return (
        <>
          <h1>Audit log</h1>
          <Notice title="You do not have access to the audit log." alert>
            <p>{error.message}</p>
          </Notice>
        </>
      );
    }
    if (hasErrorCode(error, 'INVALID') || hasErrorCode(error, 'NOT_FOUND')) {
      return (
        <>
          <h1>Audit log</h1>
          <Notice title="These filters cannot be used." alert>
            <p>{error.message}</p>
            <p>
              <a href="/audit">Show the whole log</a>
            </p>
          </Notice>
        </>
      );
    }
    throw error;
  }

  return (
    <>
      <div className="page-header">
        <h1>Audit log</h1>
        <span className="muted">Newest first</span>
      </div>
      <form method="get" action="/audit" className="filters" aria-label="Filter the audit log">
        <Field
          label="Ecosystem"
          name="ecosystem"
          defaultValue={filters.ecosystem}
          placeholder="any"
        />
        <Field
          label="Actor"
          name="actor"
          type="email"
          defaultValue={filters.actor}
          placeholder="email"
        />
        <Field
          label="Action"
          name="action"
          defaultValue={filters.action}
          placeholder="e.g. auth.sign_in"
        />
        <Field
          label="Resource"
          name="target"
          defaultValue={filters.target}
          placeholder="e.g. host local"
          hint="The target, or how it starts."
        />
        <SelectField
          label="Source"
          name="source"
          defaultValue={filters.source}
          options={[{ value: '', label: 'any' }, ...SOURCES.map((s) => ({ value: s, label: s }))]}
        />
        <Field label="From (UTC)" name="since" type="date" defaultValue={filters.since} />
        <Field label="To (UTC)" name="until" type="date" defaultValue={filters.until} />
        <div className="form-actions">
          <button type="submit">Filter</button>
          <a href="/audit">Clear</a>
        </div>
      </form>
      {page.items.length === 0 ? (
        <Notice title={cursor ? 'No more events.' : 'No events match.'}>
          {cursor ? (
            <p>
              <a href={`/audit${query(filters)}`}>Back to the first page</a>
            </p>
          ) : Object.values(filters).some(Boolean) ? (
            <p>
              Loosen the filters, or <a href="/audit">show the whole log</a>.
            </p>
          ) : (
            <p>
              Sign-ins and every change made through the dashboard, the API or the CLI appear here.
            </p>
          )}
        </Notice>
      ) : (
        <div className="table-wrap">
          <table aria-label="Audit events" className="compact">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Ecosystem</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((event) => (
                <tr key={event.id}>
                  <td>
                    <Time value={event.time} precise />
                  </td>
                  <td>{event.actor}</td>
                  <td>
                    <code>{event.action}</code>
                  </td>
                  <td>{event.target ?? ''}</td>
                  <td>{event.ecosystem ?? ''}</td>
                  <td>
                    {event.source}
                    {event.address && <div className="muted">{event.address}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(cursor || page.nextCursor) && (
        <nav className="pager" aria-label="Pages">
          {cursor && <a href={`/audit${query(filters)}`}>First page</a>}
          {page.nextCursor && <a href={`/audit${query(filters, page.nextCursor)}`}>Next page</a>}
        </nav>
      )}
    </>
  );
}
