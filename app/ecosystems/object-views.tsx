// Server-rendered pieces the hierarchy pages share: an object's facts, a list of its children
// with paging, and the words for what a delete removes. Data comes from the pages (which call the
// use cases); nothing here reads the store.

import Link from 'next/link';
import { Fragment, type ReactNode } from 'react';
import { EmptyState } from '@/components/empty-state';
import { Notice } from '@/components/notice';
import { Pager } from '@/components/pager';
import { Time } from '@/components/time';
import type { Level, StoredObject } from '@/lib/store/data-store';
import { LEVEL_WORDS, objectPagePath } from './object-paths';

export function LabelChips({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) return null;
  return (
    <ul className="chips" aria-label="Labels">
      {entries.map(([key, value]) => (
        <li key={key} className="chip">
          {key}={value}
        </li>
      ))}
    </ul>
  );
}

/** Description, labels, counts below and dates of one object. */
export function ObjectFacts({
  object,
  counts,
  children,
}: {
  object: StoredObject;
  counts?: Partial<Record<Level, number>>;
  children?: ReactNode;
}) {
  return (
    <section className="panel" aria-labelledby="about-title">
      <h2 id="about-title">About</h2>
      <dl className="facts" data-testid="object-facts">
        <dt>Description</dt>
        <dd>{object.annotations.description || <span className="muted">No description.</span>}</dd>
        <dt>Labels</dt>
        <dd>
          {Object.keys(object.labels).length > 0 ? (
            <LabelChips labels={object.labels} />
          ) : (
            <span className="muted">None.</span>
          )}
        </dd>
        {counts &&
          (Object.entries(counts) as [Level, number][]).map(([level, n]) => (
            <Fragment key={level}>
              <dt>
                {LEVEL_WORDS[level].many[0]!.toUpperCase() + LEVEL_WORDS[level].many.slice(1)}
              </dt>
              <dd data-testid={`count-${level}`}>{n}</dd>
            </Fragment>
          ))}
        {children}
        <dt>Created</dt>
        <dd>
          <Time value={object.createdAt} />
        </dd>
        <dt>Changed</dt>
        <dd>
          <Time value={object.updatedAt} />{' '}
          <span className="muted">(version {object.version})</span>
        </dd>
      </dl>
    </section>
  );
}

/** "2 domains · 1 app · 0 workspaces": every level, zeros included (they say "empty"). */
export function countsText(counts: Partial<Record<Level, number>>): string {
  return (Object.entries(counts) as [Level, number][])
    .map(([level, n]) => `${n} ${n === 1 ? LEVEL_WORDS[level].one : LEVEL_WORDS[level].many}`)
    .join(' · ');
}

/** One page of child objects as links, or what to do when there are none. */
export function ChildList({
  level,
  items,
  basePath,
  cursor,
  nextCursor,
  empty,
  counts,
}: {
  level: Level;
  items: StoredObject[];
  /** What lies below each item, by id (from one batched count). */
  counts?: Record<string, Partial<Record<Level, number>>>;
  basePath: string;
  cursor?: string | undefined;
  nextCursor?: string | undefined;
  empty: ReactNode;
}) {
  const many = LEVEL_WORDS[level].many;
  if (items.length === 0 && !cursor) {
    return (
      <EmptyState title={`No ${many} yet.`} testId={`empty-${level}`}>
        {empty}
      </EmptyState>
    );
  }
  return (
    <>
      <ul className="list" aria-label={many[0]!.toUpperCase() + many.slice(1)}>
        {items.map((object) => (
          <li key={object.id}>
            <div className="item-title">
              <Link href={objectPagePath(level, object)} className="item-name">
                {object.name}
              </Link>
              {counts?.[object.id] && (
                <span className="item-meta" data-testid={`counts-${object.name}`}>
                  {countsText(counts[object.id]!)}
                </span>
              )}
              <span className="item-meta muted">
                Created <Time value={object.createdAt} />
              </span>
            </div>
            {object.annotations.description ? (
              <p className="item-description">{object.annotations.description}</p>
            ) : null}
            <LabelChips labels={object.labels} />
          </li>
        ))}
      </ul>
      <Pager
        basePath={basePath}
        cursor={cursor}
        nextCursor={nextCursor}
        label={`Pages of ${many}`}
      />
    </>
  );
}

export function StaleCursor({ basePath }: { basePath: string }) {
  return (
    <Notice title="That page link is no longer valid.">
      <p>
        <Link href={basePath}>Go to the first page</Link>
      </p>
    </Notice>
  );
}

export function DatabaseDown() {
  return (
    <Notice title="The database cannot be reached." alert>
      <p>
        Reload this page in a moment; if it persists, an administrator can check the server log and{' '}
        <code>GET /api/healthz</code>.
      </p>
    </Notice>
  );
}

/** The `?cursor=` of a list page, when it is a usable string. */
export function cursorParam(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * After a forced delete (`?left=` from the delete action): the containers that stayed on hosts
 * that could not be reached, to remove by hand. Names only, shown as text.
 */
export function LeftBehindNotice({ left }: { left: string | string[] | undefined }) {
  if (typeof left !== 'string' || left === '') return null;
  return (
    <p className="notice" role="status" data-testid="left-behind">
      Deleted. Containers left on hosts that could not be reached:{' '}
      <code>{left.split(',').join(', ')}</code>. Remove them there by hand (or delete them with the
      host&apos;s engine once it is back).
    </p>
  );
}

/** For roles that may only read: says so instead of showing controls that would be refused. */
export function ReadOnlyNote({ what }: { what: string }) {
  return (
    <p className="notice" data-testid="read-only-note">
      You can see {what}; your role does not let you change it.
    </p>
  );
}
