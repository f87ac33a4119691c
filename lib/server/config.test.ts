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
      DVM_ADMIN_EMAIL: 'admin@example.com',
    });
    expect(error.errors.map((e) => e.path).sort()).toEqual([
      'DVM_ADMIN_PASSWORD',
      'DVM_ALLOWED_PATHS',
      'DVM_LOCAL_AGENT',
      'PORT',
    ]);
  });

  it('rejects a port that is not a number', () => {
    expect(configError({ PORT: '80a' }).errors).toEqual([
      { path: 'PORT', message: expect.stringContaining('"80a"') },
    ]);
  });
});
