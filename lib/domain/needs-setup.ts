// Whether the server still needs its first-run setup (no user exists): pages send visitors to
// /setup instead of /signin then.

import type { PublicContext } from './action-context';

export async function needsSetup(ctx: PublicContext): Promise<boolean> {
  return (await ctx.store.users.count()) === 0;
}
