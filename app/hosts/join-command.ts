// Where agents reach this control plane, for the join command: DVM_PUBLIC_URL or, failing that,
// the address this request came to. Server side only.

import { headers } from 'next/headers';
import { getRuntime } from '@/lib/server/runtime';

export async function controlPlaneUrl(): Promise<string> {
  const { config } = await getRuntime();
  if (config.publicUrl) return config.publicUrl;
  const request = await headers();
  const host = request.get('host') ?? `localhost:${config.port}`;
  const proto = config.trustProxy ? (request.get('x-forwarded-proto') ?? 'http') : 'http';
  return `${proto}://${host}`;
}
