// Any signed-in user lists hosts, by name, one keyset page at a time (optionally by labels).
import type { HostManifest } from '@/lib/contracts/host';
import type { ListOptions, Page } from '@/lib/store/data-store';
import type { ActionContext } from '../action-context';
import { authorize } from '../authorize';
import { toHostManifest } from './host-view';

export async function listHosts(
  ctx: ActionContext,
  options: ListOptions = {},
): Promise<Page<HostManifest>> {
  await authorize(ctx, 'hosts.read');
  const page = await ctx.store.hosts.list(options);
  return { ...page, items: page.items.map(toHostManifest) };
}
