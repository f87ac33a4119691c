// The control plane's background loops over hosts: a watch stream per joined host (heartbeats and
// container events), health derived from it and stored when it changes, the agent's Info
// refreshed now and then, and reconciliation of every host's workspaces on an interval and right
// after a container event. Every replica may run it: all writes are idempotent.
import { healthOf, MISSED_INTERVALS, type HostLiveness } from '@/lib/domain/runtime/host-health';
import { hostInfoRecord } from '@/lib/domain/runtime/host-info';
import { reconcileHost } from '@/lib/domain/runtime/reconcile';
import type { WatchHandle } from '@/lib/hosts/host-agent';
import type { DataStore } from '@/lib/store/data-store';
import type { HostRecord } from '@/lib/store/host-store';
import type { HostConnections } from './host-connections';

export interface HostMonitorOptions {
  store: DataStore;
  hosts: HostConnections;
  /** Heartbeat interval asked of agents; unhealthy after two are missed. Default 2000 ms. */
  heartbeatMs?: number;
  /** Reconciliation interval. Default 5000 ms. */
  reconcileMs?: number;
  /** How often Info (capacity, platforms) is refreshed. Default 30 s. */
  infoMs?: number;
  log(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void;
}

interface Watched {
  key: string;
  handle?: WatchHandle;
  liveness: HostLiveness;
  retryAt: number;
  backoffMs: number;
  lastInfoAt: number;
  reconcileSoon?: NodeJS.Timeout;
}

export interface HostMonitor {
  /** One pass now: open missing streams, store health, reconcile. For tests and start-up. */
  tick(): Promise<void>;
  stop(): void;
}

const identity = (host: HostRecord) => `${host.address}|${host.credentialCiphertext}`;

export function startHostMonitor(options: HostMonitorOptions): HostMonitor {
  const { store, hosts, log } = options;
  const heartbeatMs = options.heartbeatMs ?? 2000;
  const reconcileMs = options.reconcileMs ?? 5000;
  const infoMs = options.infoMs ?? 30_000;
  const firstBeatWaitMs = Math.max(MISSED_INTERVALS * heartbeatMs, 1000);
  const watched = new Map<string, Watched>();
  let lastReconcile = 0;
  let stopped = false;
  let running: Promise<void> | undefined;

  const reconcile = async (host: HostRecord) => {
    try {
      await reconcileHost({ store, hosts }, host);
    } catch (error) {
      log('warn', 'reconciliation failed', { host: host.name, error: (error as Error).message });
    }
  };

  // Resolves at the stream's first heartbeat (agents send one at once), its end, or after
  // `firstBeatWaitMs`. Judging health before the first beat could arrive would call a freshly
  // reached agent unhealthy from a heartbeat time stored by the previous control plane.
  const openWatch = async (host: HostRecord, entry: Watched) => {
    const agent = await hosts.agentFor(host);
    const handle = agent.watch({ intervalMs: heartbeatMs });
    entry.handle = handle;
    let firstBeat!: () => void;
    const heard = new Promise<void>((resolve) => (firstBeat = resolve));
    const waitTimer = setTimeout(firstBeat, firstBeatWaitMs);
    void handle.ended.then(firstBeat);
    handle.onEvent((event) => {
      if (event.type === 'heartbeat') {
        firstBeat();
        entry.liveness = {
          lastHeartbeatAt: event.at,
          engineReachable: event.engineReachable,
          ...(event.engineError !== undefined && { engineError: event.engineError }),
        };
        entry.backoffMs = 500;
      } else {
        // A container changed behind our back (or by us): reconcile that host right away.
        clearTimeout(entry.reconcileSoon);
        entry.reconcileSoon = setTimeout(() => {
          void store.hosts.find(host.name).then((fresh) => fresh && reconcile(fresh));
        }, 50);
      }
    });
    void handle.ended.then(({ reason }) => {
      if (entry.handle !== handle) return;
      entry.handle = undefined;
      entry.liveness = { ...entry.liveness, streamError: reason };
      entry.retryAt = Date.now() + entry.backoffMs;
      entry.backoffMs = Math.min(entry.backoffMs * 2, 10_000);
      hosts.forget(host.name);
    });
    await heard;
    clearTimeout(waitTimer);
  };

  const checkHost = async (host: HostRecord, now: Date) => {
    if (!host.address || !host.credentialCiphertext) return; // pending: nothing to watch yet
    let entry = watched.get(host.name);
    if (entry && entry.key !== identity(host)) {
      entry.handle?.cancel();
      watched.delete(host.name);
      entry = undefined;
    }
    if (!entry) {
      entry = {
        key: identity(host),
        liveness: host.lastHeartbeatAt ? { lastHeartbeatAt: host.lastHeartbeatAt } : {},
        retryAt: 0,
        backoffMs: 500,
        lastInfoAt: 0,
      };
      watched.set(host.name, entry);
    }
    if (!entry.handle && Date.now() >= entry.retryAt) {
      try {
        await openWatch(host, entry);
      } catch (error) {
        entry.liveness = { ...entry.liveness, streamError: (error as Error).message };
        entry.retryAt = Date.now() + entry.backoffMs;
      }
    }

    let info = undefined;
    const health = healthOf(entry.liveness, now, heartbeatMs);
    if (health.status === 'healthy' && Date.now() - entry.lastInfoAt > infoMs) {
      try {
        info = hostInfoRecord(await (await hosts.agentFor(host)).info());
        entry.lastInfoAt = Date.now();
      } catch (error) {
        log('warn', 'cannot refresh host info', {
          host: host.name,
          error: (error as Error).message,
        });
      }
    }
    const beat = entry.liveness.lastHeartbeatAt;
    const beatIsNew =
      beat !== undefined && beat.getTime() - (host.lastHeartbeatAt?.getTime() ?? 0) >= 10_000;
    if (host.status !== health.status || host.statusReason !== health.reason || beatIsNew || info) {
      if (host.status !== health.status) {
        log(
          health.status === 'healthy' ? 'info' : 'warn',
          `host ${host.name} is ${health.status}`,
          {
            host: host.name,
            ...(health.reason !== undefined && { reason: health.reason }),
          },
        );
      }
      const updated = await store.hosts.recordHeartbeat(host.name, {
        at: beat ?? host.lastHeartbeatAt ?? now,
        status: health.status,
        ...(health.reason !== undefined && { statusReason: health.reason }),
        ...(info && { info }),
      });
      if (host.status !== health.status) await reconcile(updated);
    }
  };

  const tick = async () => {
    // Heartbeats that arrived while this process was busy (a page compile, a big response) sit
    // unread in their sockets, and timers run before I/O is polled: let them be read first, or
    // our own stall would be judged as the agent's silence.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const now = new Date();
    const all: HostRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.hosts.list({ limit: 500, ...(cursor && { cursor }) });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    for (const name of [...watched.keys()]) {
      if (!all.some((h) => h.name === name)) {
        watched.get(name)!.handle?.cancel();
        watched.delete(name);
        hosts.forget(name);
      }
    }
    // Side by side: a host whose new stream stays silent (a blackholed address) waits for its
    // first beat without holding up the others' health.
    await Promise.all(
      all.map((host) =>
        checkHost(host, now).catch((error: unknown) =>
          log('warn', 'host check failed', { host: host.name, error: (error as Error).message }),
        ),
      ),
    );
    if (Date.now() - lastReconcile >= reconcileMs) {
      lastReconcile = Date.now();
      for (const host of await Promise.all(all.map((h) => store.hosts.find(h.name)))) {
        if (host) await reconcile(host);
      }
    }
  };

  const loop = setInterval(
    () => {
      if (stopped || running) return;
      running = tick()
        .catch((error) =>
          log('error', 'host monitor pass failed', { error: (error as Error).message }),
        )
        .finally(() => {
          running = undefined;
        });
    },
    Math.min(1000, heartbeatMs / 2),
  );
  loop.unref();

  return {
    tick: () => running ?? tick(),
    stop() {
      stopped = true;
      clearInterval(loop);
      for (const entry of watched.values()) {
        entry.handle?.cancel();
        clearTimeout(entry.reconcileSoon);
      }
      watched.clear();
    },
  };
}
