// An agent joins its host: `dvm-agent --join-token …` sends the one-time token, the address the
// control plane should dial and the credential it will demand from then on. Nobody is signed in:
// the token is the credential, so wrong tokens are throttled per client address like passwords.
//
// Order matters. The token is checked first, so nobody without one can make the control plane
// dial an address of their choosing. The agent is then asked for its Info over that address with
// that credential — proving both work — and only then is the token consumed, atomically, with the
// credential sealed at rest: an agent the control plane cannot reach keeps its token to retry.
import { ADDRESS_POLICY, checkThrottle, recordFailure, throttledError } from '@/lib/auth/throttle';
import type { SecretBox } from '@/lib/auth/sealed-secret';
import { hashSecret } from '@/lib/auth/secrets';
import { joinHostRequest, parseHostInput, type HostManifest } from '@/lib/contracts/host';
import { AppError, hasErrorCode, isAppError } from '@/lib/errors';
import type { AgentInfo } from '@/lib/hosts/host-agent';
import type { JsonObject } from '@/lib/store/data-store';
import type { HostHeartbeat } from '@/lib/store/host-store';
import type { AuditSource } from '@/lib/store/identity-store';
import type { z } from 'zod';
import { nowOf, type PublicContext } from '../action-context';
import { anonymousEntry } from '../audit-entry';
import { connectOverGrpc, type ConnectAgent } from './connect-host';
import { hostTarget, toHostManifest } from './host-view';

export type JoinHostInput = z.input<typeof joinHostRequest>;

export interface JoinHostContext extends PublicContext {
  /** Seals the agent's credential before it is stored. */
  secrets: SecretBox;
  /** How to reach the agent; the gRPC client by default. */
  connect?: ConnectAgent;
  /** The caller's address: throttling and the audit log. */
  address?: string;
  /** Default 'api'. */
  source?: AuditSource;
}

function badToken(): AppError {
  return new AppError(
    'UNAUTHENTICATED',
    'The join token is not valid: it is wrong, was used already or has expired. An administrator can issue a new one (POST /api/v1/hosts/{name}/join-token).',
  );
}

function throttled(seconds: number): AppError {
  // throttledError carries the wait that becomes Retry-After; only its words are about sign-ins.
  const error = throttledError(seconds);
  error.message = `Too many joins with a wrong token from this address; try again in ${seconds} s.`;
  return error;
}

/** Why the agent could not be asked, in words the person running dvm-agent can act on. */
function whyUnreachable(error: unknown): string {
  if (hasErrorCode(error, 'UNAUTHENTICATED'))
    return 'the agent refused the credential sent with this join';
  const details = isAppError(error)
    ? (error.cause as { details?: unknown } | undefined)?.details
    : undefined;
  if (typeof details === 'string' && details.trim() !== '') return details.trim();
  return isAppError(error) ? error.message : 'the connection failed';
}

/** The Info as stored: plain JSON, and the health it implies right now. */
function heartbeatOf(info: AgentInfo, at: Date): HostHeartbeat {
  const stored = JSON.parse(JSON.stringify(info)) as JsonObject;
  if (info.engineReachable === false) {
    return {
      at,
      status: 'unhealthy',
      statusReason: `the agent cannot reach its container engine: ${info.engineError ?? 'no answer'}`,
      info: stored,
    };
  }
  return { at, status: 'healthy', info: stored };
}

async function askInfo(ctx: JoinHostContext, address: string, credential: string) {
  let agent: ReturnType<ConnectAgent> | undefined;
  try {
    agent = (ctx.connect ?? connectOverGrpc)(address, credential);
    return await agent.info();
  } catch (error) {
    throw new AppError(
      'UNAVAILABLE',
      `The control plane could not reach the agent at ${address}: ${whyUnreachable(error)}. Check that dvm-agent listens there and that --advertise names an address this control plane can reach; the join token stays valid.`,
      { cause: error },
    );
  } finally {
    agent?.close();
  }
}

export async function joinHost(ctx: JoinHostContext, input: JoinHostInput): Promise<HostManifest> {
  const request = parseHostInput(joinHostRequest, input, 'The join request');
  const keys = [{ key: `join-address:${ctx.address ?? 'unknown'}`, policy: ADDRESS_POLICY }];
  const wait = await checkThrottle(ctx.store, keys, nowOf(ctx));
  if (wait) throw throttled(wait.retryAfterSeconds);

  const tokenHash = hashSecret(request.token);
  const pending = await ctx.store.hosts.findByJoinToken(tokenHash, nowOf(ctx));
  if (!pending) {
    await recordFailure(ctx.store, keys, nowOf(ctx));
    throw badToken();
  }

  const info = await askInfo(ctx, request.address, request.credential);
  const credentialCiphertext = ctx.secrets.seal(request.credential);
  const now = nowOf(ctx);
  const joined = await ctx.store.transaction(async (tx) => {
    const host = await tx.hosts.completeJoin(tokenHash, now, {
      address: request.address,
      credentialCiphertext,
    });
    if (!host) return undefined;
    const current = await tx.hosts.recordHeartbeat(host.name, heartbeatOf(info, now));
    await tx.audit.append(
      anonymousEntry(
        {
          actor: `agent of host ${host.name}`,
          source: ctx.source ?? 'api',
          ...(ctx.address !== undefined && { address: ctx.address }),
        },
        {
          action: 'host.join',
          target: hostTarget(host.name),
          after: {
            address: request.address,
            agentVersion: info.agentVersion,
            hostName: info.hostName,
            runtime: info.runtime,
          },
        },
        now,
      ),
    );
    return current;
  });
  if (!joined) {
    // Another agent used the token (or it expired) while this one was being asked.
    await recordFailure(ctx.store, keys, nowOf(ctx));
    throw badToken();
  }
  return toHostManifest(joined);
}
