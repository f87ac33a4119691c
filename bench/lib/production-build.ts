// Benchmarks that drive the real server need its production build; build it once if missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/testing/server-process';

export function ensureProductionBuild(): void {
  if (existsSync(path.join(PROJECT_ROOT, '.next', 'BUILD_ID'))) return;
  console.log('no production build yet: running next build');
  const build = spawnSync('npx', ['next', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('next build failed');
}
