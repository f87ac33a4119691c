import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '@/lib/errors';
import { loadConfig } from './config';

function configError(env: Record<string, string>) {
  try {
    loadConfig(env, '/srv/dvm');
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    expect(loadConfig({}, '/srv/dvm')).toEqual({
      port: 3000,
      dataDir: '/srv/dvm/data',
      allowedPaths: [],
      localAgent: true,
      heartbeatMs: 2000,
      reconcileMs: 5000,
      buildConcurrency: 2,
      trustProxy: false,
      allowedOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
      sso: {},
    });
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        DVM_DATA_DIR: 'state/dvm',
        DATABASE_URL: 'postgresql://dvm:secret@db:5432/dvm',
        DOCKER_HOST: 'unix:///run/docker.sock',
        DVM_ADMIN_EMAIL: 'admin@example.com',
        DVM_ADMIN_PASSWORD: 'correct horse',
        DVM_ALLOWED_PATHS: '/home/dev/src/::/srv/code',
        DVM_LOCAL_AGENT: 'OFF',
        DVM_HEARTBEAT_INTERVAL_MS: '500',
        DVM_RECONCILE_INTERVAL_MS: '1000',
        DVM_BUILD_CONCURRENCY: '4',
        DVM_TRUST_PROXY: 'on',
        DVM_PUBLIC_URL: 'https://DVM.example.com/',
        DVM_ALLOWED_ORIGINS:
          'https://dvm.example.com, http://localhost:8080,,https://ide.example.com:8443',
        DVM_SESSION_SECRET: 's'.repeat(16) + 't'.repeat(16),
        DVM_OIDC_ISSUER: 'https://id.example.com/realms/dev/',
        DVM_OIDC_CLIENT_ID: 'dvm',
        DVM_OIDC_CLIENT_SECRET: 'oidc secret',
        DVM_OIDC_NAME: 'Example ID',
        DVM_GITHUB_CLIENT_ID: 'gh-id',
        DVM_GITHUB_CLIENT_SECRET: 'gh secret',
      },
      '/srv/dvm',
    );
    expect(config).toEqual({
      port: 8080,
      dataDir: path.resolve('/srv/dvm/state/dvm'),
      databaseUrl: 'postgresql://dvm:secret@db:5432/dvm',
      dockerHost: 'unix:///run/docker.sock',
      admin: { email: 'admin@example.com', password: 'correct horse' },
      allowedPaths: ['/home/dev/src', '/srv/code'],
      localAgent: false,
      heartbeatMs: 500,
      reconcileMs: 1000,
      buildConcurrency: 4,
      trustProxy: true,
      publicUrl: 'https://dvm.example.com',
      allowedOrigins: [
        'https://dvm.example.com',
        'http://localhost:8080',
        'https://ide.example.com:8443',
      ],
      sessionSecret: 's'.repeat(16) + 't'.repeat(16),
      sso: {
        oidc: {
          issuer: 'https://id.example.com/realms/dev',
          clientId: 'dvm',
          clientSecret: 'oidc secret',
          name: 'Example ID',
        },
        github: { clientId: 'gh-id', clientSecret: 'gh secret' },
      },
    });
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: ' ', DVM_LOCAL_AGENT: '' }, '/x')).toMatchObject({
      port: 3000,
      localAgent: true,
    });
  });

  it('names the variable in errors and never echoes a database URL', () => {
    const error = configError({ DATABASE_URL: 'mysql://root:hunter2@db/dvm' });
    expect(error.code).toBe('INVALID');
    expect(error.errors.map((e) => e.path)).toEqual(['DATABASE_URL']);
    expect(error.message).toMatch(/postgres:\/\//);
    expect(error.message).not.toMatch(/hunter2/);
  });

  it('reports every problem at once', () => {
    const error = configError({
      PORT: '70000',
      DVM_ALLOWED_PATHS: '/ok:relative/path',
      DVM_LOCAL_AGENT: 'yes',
      DVM_TRUST_PROXY: 'maybe',
      DVM_ADMIN_EMAIL: 'admin@example.com',
      DVM_HEARTBEAT_INTERVAL_MS: '2s',
      DVM_RECONCILE_INTERVAL_MS: '50',
      DVM_BUILD_CONCURRENCY: '0',
    });
    expect(error.errors.map((e) => e.path).sort()).toEqual([
      'DVM_ADMIN_PASSWORD',
      'DVM_ALLOWED_PATHS',
      'DVM_BUILD_CONCURRENCY',
      'DVM_HEARTBEAT_INTERVAL_MS',
      'DVM_LOCAL_AGENT',
      'DVM_RECONCILE_INTERVAL_MS',
      'DVM_TRUST_PROXY',
      'PORT',
    ]);
  });

  it('holds DVM_ADMIN_PASSWORD to the same rule as every other password', () => {
    const error = configError({ DVM_ADMIN_EMAIL: 'a@example.com', DVM_ADMIN_PASSWORD: 'eightchr' });
    expect(error.errors).toEqual([
      { path: 'DVM_ADMIN_PASSWORD', message: expect.stringContaining('at least 10 characters') },
    ]);
    expect(error.message).not.toContain('eightchr');
  });

  it('names each missing variable of a partly configured SSO provider', () => {
    const error = configError({
      DVM_OIDC_ISSUER: 'https://id.example.com',
      DVM_GITHUB_CLIENT_SECRET: 'gh secret',
    });
    expect(error.errors.map((e) => e.path).sort()).toEqual([
      'DVM_GITHUB_CLIENT_ID',
      'DVM_OIDC_CLIENT_ID',
      'DVM_OIDC_CLIENT_SECRET',
    ]);
    expect(error.message).not.toContain('gh secret');
  });

  it('wants an https OIDC issuer (http only on loopback)', () => {
    const sso = {
      DVM_OIDC_CLIENT_ID: 'dvm',
      DVM_OIDC_CLIENT_SECRET: 'secret',
    };
    expect(configError({ ...sso, DVM_OIDC_ISSUER: 'http://id.example.com' }).errors).toEqual([
      { path: 'DVM_OIDC_ISSUER', message: expect.stringContaining('https://') },
    ]);
    expect(
      loadConfig({ ...sso, DVM_OIDC_ISSUER: 'http://127.0.0.1:9000' }, '/x').sso.oidc,
    ).toMatchObject({ issuer: 'http://127.0.0.1:9000', name: 'SSO' });
  });

  it('checks origins, the public URL and the session secret', () => {
    const error = configError({
      DVM_PUBLIC_URL: 'https://dvm.example.com/app',
      DVM_ALLOWED_ORIGINS: 'https://ok.example.com,*',
      NEXTAUTH_SECRET: 'too short',
    });
    expect(error.errors.map((e) => e.path).sort()).toEqual([
      'DVM_ALLOWED_ORIGINS',
      'DVM_PUBLIC_URL',
      'NEXTAUTH_SECRET',
    ]);
    expect(error.message).not.toContain('too short');
    const both = configError({
      NEXTAUTH_SECRET: 'a'.repeat(32),
      DVM_SESSION_SECRET: 'b'.repeat(32),
    });
    expect(both.errors.map((e) => e.path)).toEqual(['NEXTAUTH_SECRET']);
    expect(loadConfig({ NEXTAUTH_SECRET: 'n'.repeat(40) }, '/x').sessionSecret).toBe(
      'n'.repeat(40),
    );
    // Without a fixed port there is no default origin to allow; the public URL still is.
    expect(
      loadConfig({ PORT: '0', DVM_PUBLIC_URL: 'https://dvm.example.com' }, '/x').allowedOrigins,
    ).toEqual(['https://dvm.example.com']);
  });

  it('rejects a port that is not a number', () => {
    expect(configError({ PORT: '80a' }).errors).toEqual([
      { path: 'PORT', message: expect.stringContaining('"80a"') },
    ]);
  });
});
