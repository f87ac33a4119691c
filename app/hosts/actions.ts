'use server';

// Server actions of /hosts: register a host (its one-time join token and the agent command are in
// the answer and nowhere else), issue a fresh join token, remove a host. The use cases authorise
// (`hosts.manage`: administrators only) and audit; these parse the form and map the outcome.

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import type { ActionState } from '@/components/action-state';
import type { HostJoinToken } from '@/lib/contracts/host';
import { createHost } from '@/lib/domain/hosts/create-host';
import { deleteHost } from '@/lib/domain/hosts/delete-host';
import { rotateJoinToken } from '@/lib/domain/hosts/rotate-join-token';
import {
  actionContext,
  actionFailure,
  invalidInput,
  UNAUTHENTICATED_STATE,
} from '@/lib/server/session';
import { controlPlaneUrl } from './join-command';
import { joinCommand } from './join-command-text';

export interface JoinTokenState extends ActionState {
  /** The join token, shown once, with the command that uses it. */
  issued?: { host: string; token: string; expiresAt: string; command: string };
}

const LABEL_LINE = /^([^=\s]+)\s*=\s*(.*)$/;

/** `gpu=true, zone=eu` (commas or new lines) as labels; the domain checks keys and values. */
function parseLabels(text: string): Record<string, string> | string {
  const labels: Record<string, string> = {};
  for (const part of text.split(/[,\n]/)) {
    const item = part.trim();
    if (!item) continue;
    const match = LABEL_LINE.exec(item);
    if (!match)
      return `"${item}" is not key=value; write labels as key=value, separated by commas.`;
    labels[match[1]!] = match[2]!.trim();
  }
  return labels;
}

const createSchema = z.object({
  name: z.string().trim().min(1, 'Name the host, e.g. "build-1" (lowercase letters, digits, -).'),
  address: z.string().trim(),
  labels: z.string(),
});

async function issued(result: HostJoinToken): Promise<NonNullable<JoinTokenState['issued']>> {
  const host = result.host.metadata.name;
  return {
    host,
    token: result.joinToken,
    expiresAt: result.expiresAt,
    command: joinCommand(result.joinToken, await controlPlaneUrl(), result.host.spec.address),
  };
}

/** Field names of the form for the domain's paths (`labels.gpu` → labels). */
function formFields(state: ActionState): ActionState {
  if (!state.fieldErrors) return state;
  const fieldErrors: Record<string, string> = {};
  for (const [path, message] of Object.entries(state.fieldErrors)) {
    const field = path.startsWith('labels') ? 'labels' : path;
    fieldErrors[field] ??= `${path === field ? '' : `${path}: `}${message}`;
  }
  return { ...state, fieldErrors };
}

export async function createHostAction(
  _previous: JoinTokenState,
  formData: FormData,
): Promise<JoinTokenState> {
  const ctx = await actionContext();
  if (!ctx) return UNAUTHENTICATED_STATE;
  const values = {
    name: String(formData.get('name') ?? ''),
    address: String(formData.get('address') ?? ''),
    labels: String(formData.get('labels') ?? ''),
  };
  const parsed = createSchema.safeParse(values);
  if (!parsed.success) return invalidInput(parsed.error, values);
  const labels = parseLabels(parsed.data.labels);
  if (typeof labels === 'string') {
    return {
      ok: false,
      code: 'INVALID',
      message: 'Check the highlighted fields.',
      fieldErrors: { labels },
      values,
    };
  }
  let result: HostJoinToken;
  try {
    result = await createHost(ctx, {
      name: parsed.data.name,
      ...(parsed.data.address && { address: parsed.data.address }),
      labels,
    });
  } catch (error) {
    return formFields(actionFailure(error, { values }));
  }
  revalidatePath('/hosts');
  return {
    ok: true,
    message: `Registered host "${result.host.metadata.name}". Start its agent with the command below.`,
    issued: await issued(result),
  };
}

const hostSchema = z.object({ host: z.string().min(1).max(253) });

export async function rotateJoinTokenAction(
  _previous: JoinTokenState,
  formData: FormData,
): Promise<JoinTokenState> {
  const ctx = await actionContext();
  if (!ctx) return UNAUTHENTICATED_STATE;
  const parsed = hostSchema.safeParse({ host: formData.get('host') });
  if (!parsed.success) return invalidInput(parsed.error);
  let result: HostJoinToken;
  try {
    result = await rotateJoinToken(ctx, parsed.data.host);
  } catch (error) {
    return actionFailure(error);
  }
  revalidatePath('/hosts');
  return {
    ok: true,
    message: `Issued a new join token for "${parsed.data.host}"; the previous one no longer works.`,
    issued: await issued(result),
  };
}

export async function deleteHostAction(
  _previous: ActionState,
  formData: FormData,
): Promise<ActionState> {
  const ctx = await actionContext();
  if (!ctx) return UNAUTHENTICATED_STATE;
  const parsed = hostSchema.safeParse({ host: formData.get('host') });
  if (!parsed.success) return invalidInput(parsed.error);
  try {
    await deleteHost(ctx, parsed.data.host);
  } catch (error) {
    return actionFailure(error);
  }
  revalidatePath('/hosts');
  return { ok: true, message: `Removed host "${parsed.data.host}".` };
}
