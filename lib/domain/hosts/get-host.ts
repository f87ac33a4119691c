// Any signed-in user reads one host: its name, address, labels and health — never a credential.
import type { HostManifest } from '@/lib/contracts/host';
import type { ActionContext } from '../action-context';
import { authorize } from '../authorize';
import { toHostManifest } from './host-view';

export async function getHost(ctx: ActionContext, name: string): Promise<HostManifest> {
  await authorize(ctx, 'hosts.read');
  return toHostManifest(await ctx.store.hosts.get(name));
}
