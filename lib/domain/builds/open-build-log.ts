// A reader of one build's events and log for any member of the ecosystem: authorised once when
// opened, then read page by page — the whole log for `GET …/log`, and again and again as new
// events arrive for a follower (`?follow=true`).
import type { BuildEvent, BuildRecord, ObjectKey } from '@/lib/store/data-store';
import type { ActionContext } from '../action-context';
import { loadBuild } from './workspace-build';

export interface BuildLogReader {
  /** The build as it was when opened. */
  readonly build: BuildRecord;
  /** The build now (status, steps, outcome). */
  current(): Promise<BuildRecord>;
  /** Events after `afterSeq`, in order, at most `limit`. */
  events(afterSeq: number, limit?: number): Promise<BuildEvent[]>;
  /** The log text after `afterSeq`, page by page: the text and the last sequence number read. */
  logText(afterSeq: number, limit?: number): Promise<{ text: string; lastSeq: number } | undefined>;
}

export async function openBuildLog(
  ctx: ActionContext,
  key: ObjectKey,
  id: string,
): Promise<BuildLogReader> {
  const { build } = await loadBuild(ctx, key, id);
  const { store } = ctx;
  return {
    build,
    current: () => store.builds.get(build.id),
    events: (afterSeq, limit = 500) => store.builds.readEvents(build.id, { afterSeq, limit }),
    async logText(afterSeq, limit = 1000) {
      const page = await store.builds.readEvents(build.id, { afterSeq, limit, types: ['log'] });
      if (page.length === 0) return undefined;
      return {
        text: page.map((event) => String(event.data.text ?? '')).join(''),
        lastSeq: page[page.length - 1]!.seq,
      };
    },
  };
}
