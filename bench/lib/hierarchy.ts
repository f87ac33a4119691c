// A realistic hierarchy for benchmarks: ecosystems → domains → apps → workspaces with the kind of
// spec users write, loaded through the DataStore in one transaction per ecosystem.
import type { DataStore } from '../../lib/store/data-store';
import { timed } from './measure';

export interface HierarchyShape {
  ecosystems: number;
  domainsPerEcosystem: number;
  appsPerDomain: number;
  workspacesPerApp: number;
}

export function workspaceCount(shape: HierarchyShape): number {
  return (
    shape.ecosystems * shape.domainsPerEcosystem * shape.appsPerDomain * shape.workspacesPerApp
  );
}

export const ecosystemName = (e: number) => `eco-${e}`;
export const domainName = (d: number) => `domain-${d}`;
export const appName = (a: number) => `app-${String(a).padStart(2, '0')}`;
export const workspaceName = (w: number) => `ws-${String(w).padStart(3, '0')}`;

export function workspaceSpec(app: string, i: number) {
  return {
    image: { name: `dvm-ws${i}-${app}:pending`, packages: ['git', 'curl', 'ripgrep'] },
    build: { args: { GO_VERSION: '1.22' }, devStage: { devTools: ['gopls', 'delve'] } },
    shell: { type: 'zsh', framework: 'oh-my-zsh', plugins: ['git', 'docker'] },
    nvim: { structure: 'lazyvim', plugins: ['telescope', 'treesitter'] },
    env: { EDITOR: 'nvim', TERM: 'xterm-256color' },
    container: {
      user: 'dev',
      uid: 1000,
      gid: 1000,
      workingDir: '/workspace',
      resources: { cpus: '2.0', memory: '2G' },
    },
  };
}

/** Loads the hierarchy; returns how long it took in milliseconds. */
export async function loadHierarchy(store: DataStore, shape: HierarchyShape): Promise<number> {
  return timed(async () => {
    for (let e = 0; e < shape.ecosystems; e++) {
      const ecosystem = ecosystemName(e);
      await store.transaction(async (tx) => {
        await tx.ecosystems.create(
          {},
          { name: ecosystem, annotations: { description: `Ecosystem ${e}` } },
        );
        for (let d = 0; d < shape.domainsPerEcosystem; d++) {
          const domain = domainName(d);
          await tx.domains.create({ ecosystem }, { name: domain });
          for (let a = 0; a < shape.appsPerDomain; a++) {
            const app = appName(a);
            await tx.apps.create(
              { ecosystem, domain },
              { name: app, spec: { path: `/srv/${ecosystem}/${app}` } },
            );
            for (let w = 0; w < shape.workspacesPerApp; w++) {
              await tx.workspaces.create(
                { ecosystem, domain, app },
                {
                  name: workspaceName(w),
                  labels: { team: `team-${d}` },
                  spec: workspaceSpec(app, w),
                },
              );
            }
          }
        }
      });
    }
  });
}
