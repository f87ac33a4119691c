// Where this test run's real services are. scripts/with-test-env.sh (which `npm test` runs) starts
// PostgreSQL, a private Docker engine and Chromium and exports the variables read here. A test that
// needs a service calls requireService() in beforeAll: when the service is missing the test FAILS
// with a message saying how to get it, in CI and locally alike — it never silently skips.
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

export type TestService = 'postgres' | 'docker' | 'chromium';

/** The environment variables scripts/with-test-env.sh exports. */
export const TEST_ENV_VARS = {
  postgres: 'DVM_TEST_DATABASE_URL',
  docker: 'DOCKER_HOST',
  chromium: 'DVM_CHROMIUM',
  baseImage: 'DVM_TEST_BASE_IMAGE',
} as const;

const SERVICE_NAMES: Record<TestService, string> = {
  postgres: 'PostgreSQL',
  docker: 'A Docker engine',
  chromium: 'Chromium',
};

function missing(what: string, variable: string): Error {
  return new Error(
    `${what} is required but ${variable} is not set: run tests through \`npm test\` or ` +
      `scripts/with-test-env.sh (e.g. \`bash scripts/with-test-env.sh npx vitest run <file>\`), ` +
      `which start it and export ${variable}.`,
  );
}

/**
 * The connection string of PostgreSQL (`postgres`), the DOCKER_HOST of the Docker engine
 * (`docker`) or the Chromium binary (`chromium`). Throws when the service was not provided.
 */
export function requireService(service: TestService): string {
  const variable = TEST_ENV_VARS[service];
  const value = process.env[variable]?.trim();
  if (!value) throw missing(SERVICE_NAMES[service], variable);
  return value;
}

/** The local image containers in tests are created from (`docker import`ed busybox, no registry). */
export function requireBaseImage(): string {
  requireService('docker');
  const value = process.env[TEST_ENV_VARS.baseImage]?.trim();
  if (!value) throw missing('The test base image', TEST_ENV_VARS.baseImage);
  return value;
}

/** dockerode connection options for the test engine's DOCKER_HOST (unix:// or tcp://). */
export function dockerConnection():
  { socketPath: string } | { host: string; port: number; protocol: 'http' } {
  const host = requireService('docker');
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
}

/**
 * Debian's Chromium through playwright-core. Flags: root needs --no-sandbox; the rest keep the
 * browser from reaching for the (unreachable) network or a GPU.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    ...options,
    executablePath: requireService('chromium'),
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...(options.args ?? []),
    ],
  });
}
