// Build secret values between the request and the runner: in this process's memory only, taken
// once by the runner, forgotten after an hour. The store keeps just their ids (in the build's
// settings), so a build whose values are gone — the control plane restarted, or another replica
// took it — fails saying so instead of running without them. Kept on globalThis because server.ts
// (the runner) and the Next bundle (the request handler) load separate copies of this module.
const TTL_MS = 60 * 60 * 1000;

interface Held {
  secrets: Record<string, string>;
  expires: number;
}

export interface BuildSecrets {
  hold(buildId: string, secrets: Record<string, string>): void;
  /** The values, once; undefined when they are not (or no longer) here. */
  take(buildId: string): Record<string, string> | undefined;
}

const KEY = Symbol.for('devopsmaestro.build-secrets');
const holder = globalThis as typeof globalThis & { [KEY]?: Map<string, Held> };

function held(): Map<string, Held> {
  return (holder[KEY] ??= new Map());
}

export function buildSecrets(): BuildSecrets {
  return {
    hold(buildId, secrets) {
      const now = Date.now();
      for (const [id, entry] of held()) if (entry.expires < now) held().delete(id);
      held().set(buildId, { secrets: { ...secrets }, expires: now + TTL_MS });
    },
    take(buildId) {
      const entry = held().get(buildId);
      held().delete(buildId);
      return entry && entry.expires >= Date.now() ? entry.secrets : undefined;
    },
  };
}
