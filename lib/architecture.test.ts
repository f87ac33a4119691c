// The dependency direction in eslint.config.mjs really fires: each case lints a one-line snippet
// as if it lived at the given path, through ESLint's Node API, and checks `no-restricted-imports`.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

async function restrictedImports(file: string, code: string) {
  const [result] = await eslint.lintText(`${code}\n`, { filePath: path.join(root, file) });
  expect(result, `no lint result for ${file}`).toBeDefined();
  const messages = result!.messages;
  expect(
    messages.filter((m) => m.fatal),
    `${file} did not parse`,
  ).toEqual([]);
  return messages.filter((m) => m.ruleId === 'no-restricted-imports');
}

const forbidden: [file: string, code: string][] = [
  // lib/store sits below the domain and knows nothing of transports or the agent
  ['lib/store/x.ts', "import { x } from '@/lib/domain/foo';"],
  ['lib/store/sqlite/x.ts', "import { x } from '../../domain/foo';"],
  ['lib/store/x.ts', "import { x } from '../../components/button';"],
  ['lib/store/x.ts', "import { x } from '@/agent/main';"],
  ['lib/store/x.ts', "export { x } from '@/lib/domain/foo';"],
  // lib/domain sees the DataStore interface only
  ['lib/domain/x.ts', "import { x } from '@/lib/store/sqlite/open-sqlite-store';"],
  ['lib/domain/x.ts', "import { x } from '../store/postgres/open-postgres-store';"],
  ['lib/domain/x.ts', "import { openDataStore } from '@/lib/store/open-data-store';"],
  ['lib/domain/x.ts', "import { x } from '@/components/button';"],
  // lib/contracts imports nothing of ours but lib/errors
  ['lib/contracts/x.ts', "import { x } from '../store/data-store';"],
  ['lib/contracts/x.ts', "import { x } from '@/lib/domain/foo';"],
  ['lib/contracts/nested/x.ts', "import { x } from '../../render/table';"],
  // components are generic UI
  ['components/x.tsx', "import type { DataStore } from '@/lib/store/data-store';"],
  ['components/x.tsx', "import { listEcosystems } from '../lib/domain/list-ecosystems';"],
  // the agent and the CLI are separate processes
  ['agent/x.ts', "import { x } from '../lib/store/data-store';"],
  ['agent/runtime/x.ts', "import { x } from '@/lib/domain/foo';"],
  ['cli/x.ts', "import { x } from '@/lib/domain/foo';"],
  ['cli/x.ts', "import { x } from '../lib/store/data-store';"],
  // lib/auth is mechanisms below the domain; lib/http is a transport
  ['lib/auth/x.ts', "import { signIn } from '@/lib/domain/sign-in';"],
  ['lib/auth/x.ts', "import { getRuntime } from '../server/runtime';"],
  ['lib/auth/x.ts', "import { apiRoute } from '@/lib/http/route';"],
  ['lib/http/x.ts', "import { openSqliteStore } from '@/lib/store/sqlite/open-sqlite-store';"],
  // lib/render is shared with the CLI: plain data in, text out
  ['lib/render/x.ts', "import { listObjects } from '@/lib/domain/list-objects';"],
  ['lib/render/x.ts', "import type { DataStore } from '../store/data-store';"],
  ['lib/render/x.ts', "import { apiRoute } from '@/lib/http/route';"],
  // the control plane talks to agents over gRPC only
  ['lib/hosts/x.ts', "import { DockerRuntime } from '@/agent/runtime/docker-runtime';"],
  ['lib/hosts/x.ts', "import { x } from '../../agent/grpc/agent-service';"],
  // app/ uses the composition root, not a concrete store
  ['app/page.tsx', "import { x } from '@/lib/store/sqlite/open-sqlite-store';"],
  // nobody imports app/
  ['e2e/x.test.ts', "import { GET } from '@/app/api/healthz/route';"],
  ['lib/domain/x.ts', "import { x } from '../../app/page';"],
  ['server.ts', "import Page from './app/page';"],
];

const allowed: [file: string, code: string][] = [
  ['lib/domain/x.ts', "import type { DataStore } from '@/lib/store/data-store';"],
  ['lib/domain/x.ts', "import type { DataStore } from '../store/data-store';"],
  ['lib/domain/x.ts', "import type { UserRecord } from '@/lib/store/identity-store';"],
  ['lib/store/sqlite/x.ts', "import { x } from '../data-store';"],
  ['lib/store/x.ts', "import { invalid } from '../errors';"],
  ['lib/contracts/x.ts', "import { invalid } from '@/lib/errors';"],
  ['lib/contracts/x.ts', "import { invalid } from '../errors';"],
  ['lib/contracts/x.ts', "import { z } from 'zod';"],
  ['lib/contracts/nested/x.ts', "import { x } from '../common';"],
  ['lib/server/x.ts', "import { openDataStore } from '@/lib/store/open-data-store';"],
  ['lib/server/x.ts', "import { signIn } from '@/lib/domain/sign-in';"],
  ['lib/auth/x.ts', "import type { DataStore } from '@/lib/store/data-store';"],
  ['lib/http/x.ts', "import { authenticate } from '@/lib/auth/authenticate';"],
  ['lib/auth/x.test.ts', "import { signIn } from '@/lib/domain/sign-in';"],
  ['lib/render/x.ts', "import type { ManifestOutput } from '@/lib/contracts/resource';"],
  ['cli/x.ts', "import { resolveRenderer } from '../lib/render/resolve-renderer';"],
  ['app/page.tsx', "import { listEcosystems } from '@/lib/domain/list-ecosystems';"],
  ['app/page.tsx', "import { getRuntime } from '@/lib/server/runtime';"],
  ['app/api/x/route.ts', "import { x } from '../../page';"],
  ['cli/x.ts', "import { x } from '@/lib/contracts/ecosystem';"],
  ['e2e/x.test.ts', "import { openDataStore } from '@/lib/store/open-data-store';"],
  ['server.ts', "import { getRuntime } from './lib/server/runtime';"],
];

describe('import direction (eslint no-restricted-imports)', () => {
  it.each(forbidden)('%s: %s is an error', async (file, code) => {
    const messages = await restrictedImports(file, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.severity).toBe(2);
  });

  it.each(allowed)('%s: %s is allowed', async (file, code) => {
    expect(await restrictedImports(file, code)).toEqual([]);
  });

  it('explains the rule in the message', async () => {
    const [message] = await restrictedImports(
      'lib/store/x.ts',
      "import { x } from '@/lib/domain/foo';",
    );
    expect(message!.message).toMatch(/the domain calls the store, never the reverse/);
  });
});
