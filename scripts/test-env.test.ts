// Proves the test environment itself: each service scripts/with-test-env.sh provides answers through
// the same client libraries the product uses.
import Docker from 'dockerode';
import postgres from 'postgres';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dockerConnection,
  launchChromium,
  requireBaseImage,
  requireService,
} from '@/lib/testing/test-env';

describe('PostgreSQL', () => {
  let sql: postgres.Sql;

  beforeAll(() => {
    sql = postgres(requireService('postgres'), { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end({ timeout: 5 });
  });

  it('answers select 1 in the dvm_test database', async () => {
    const rows = await sql<{ one: number; db: string; version: string }[]>`
      select 1 as one, current_database() as db, current_setting('server_version') as version`;
    expect(rows).toHaveLength(1);
    expect(rows[0]?.one).toBe(1);
    expect(rows[0]?.db).toBe('dvm_test');
    expect(rows[0]?.version).toMatch(/^\d+/);
  });

  it('runs a transaction that rolls back', async () => {
    await sql`create table if not exists env_probe (id int primary key)`;
    await expect(
      sql.begin(async (tx) => {
        await tx`insert into env_probe values (1)`;
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from env_probe`;
    expect(row?.n).toBe(0);
    await sql`drop table env_probe`;
  });
});

describe('Docker engine', () => {
  let docker: Docker;
  let image: string;

  beforeAll(() => {
    docker = new Docker(dockerConnection());
    image = requireBaseImage();
  });

  it('answers ping and version', async () => {
    const pong: unknown = await docker.ping();
    expect(String(pong)).toBe('OK');
    const version = await docker.version();
    expect(version.ApiVersion).toMatch(/^1\.\d+$/);
    expect(version.Os).toBe('linux');
  });

  it('has the local base image', async () => {
    const info = await docker.getImage(image).inspect();
    expect(info.RepoTags).toContain(image);
    expect(info.Config.Cmd).toEqual(['/bin/sh']);
  });

  it('runs a container without network that echoes hello', async () => {
    const container = await docker.createContainer({
      Image: image,
      Cmd: ['echo', 'hello'],
      Tty: false,
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      await container.start();
      const result = (await container.wait()) as { StatusCode: number };
      expect(result.StatusCode).toBe(0);
      const logs = await container.logs({ stdout: true, stderr: true, follow: false });
      // Non-TTY logs are multiplexed: an 8-byte frame header, then the payload.
      expect(logs.subarray(8).toString('utf8')).toBe('hello\n');
      expect(logs[0]).toBe(1); // stream 1 = stdout
    } finally {
      await container.remove({ force: true });
    }
    await expect(docker.getContainer(container.id).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});

describe('Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders an HTML page', async () => {
    const page = await browser.newPage();
    const html =
      '<title>probe</title><h1 id="greeting">Hello from DVM</h1><p id="sum"></p>' +
      '<script>document.getElementById("sum").textContent = String(6 * 7)</script>';
    await page.goto(`data:text/html,${encodeURIComponent(html)}`);
    expect(await page.title()).toBe('probe');
    expect(await page.textContent('#greeting')).toBe('Hello from DVM');
    expect(await page.textContent('#sum')).toBe('42');
    await page.close();
  });
});
