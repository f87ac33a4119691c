// `npm run bench -- <name>`: runs bench/<name>/main.ts inside the test environment it needs
// (scripts/with-test-env.sh starts PostgreSQL, Docker or Chromium as the benchmark declares).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const name = process.argv[2];
const benches = fs
  .readdirSync(path.join(process.cwd(), 'bench'), { withFileTypes: true })
  .filter(
    (entry) => entry.isDirectory() && fs.existsSync(path.join('bench', entry.name, 'main.ts')),
  )
  .map((entry) => entry.name);

if (!name || !benches.includes(name)) {
  console.error(`usage: npm run bench -- <name>   (available: ${benches.join(', ')})`);
  process.exit(2);
}

const servicesFile = path.join('bench', name, 'services');
const services = fs.existsSync(servicesFile) ? fs.readFileSync(servicesFile, 'utf8').trim() : '';
const result = spawnSync(
  'bash',
  [
    'scripts/with-test-env.sh',
    process.execPath,
    '--import',
    'tsx',
    path.join('bench', name, 'main.ts'),
    ...process.argv.slice(3),
  ],
  {
    stdio: 'inherit',
    env: { ...process.env, DVM_TEST_SERVICES: services },
  },
);
process.exit(result.status ?? 1);
