// Sealing agent credentials at rest: the key from DVM_SECRET_KEY or a key file made on first use,
// the versioned sealed form, and clear errors for a wrong key, a tampered value or a bad key.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { isAppError } from '@/lib/errors';
import { loadConfig } from '@/lib/server/config';
import { loadSecretBox, secretBox, secretKeyFile, secretKeyProblem } from './sealed-secret';

function errorOf(fn: () => unknown): { code: string; message: string; errors: unknown[] } {
  try {
    fn();
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

let dataDir: string;

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dvm-sealed-'));
});

afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('sealed secrets', () => {
  it('round-trips, with a fresh IV every time, in the v1 form', () => {
    const box = secretBox(randomBytes(32));
    const a = box.seal('dvma_the-agent-credential');
    const b = box.seal('dvma_the-agent-credential');
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('credential');
    expect(box.open(a)).toBe('dvma_the-agent-credential');
    expect(box.open(b)).toBe('dvma_the-agent-credential');
    expect(box.open(box.seal(''))).toBe('');
  });

  it('refuses another key, a tampered value and unknown forms with a clear error', () => {
    const sealed = secretBox(randomBytes(32)).seal('secret');
    const other = secretBox(randomBytes(32));
    const wrongKey = errorOf(() => other.open(sealed));
    expect(wrongKey.code).toBe('UNAVAILABLE');
    expect(wrongKey.message).toMatch(/cannot be decrypted with this control plane's key/);
    expect(wrongKey.message).toMatch(/DVM_SECRET_KEY/);

    const box = secretBox(Buffer.alloc(32));
    const [v, iv, tag, ciphertext] = box.seal('payload').split(':') as [
      string,
      string,
      string,
      string,
    ];
    const flipped = Buffer.from(ciphertext, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    expect(v).toBe('v1');
    expect(box.open([v, iv, tag, ciphertext].join(':'))).toBe('payload');
    expect(errorOf(() => box.open([v, iv, tag, flipped.toString('base64')].join(':'))).code).toBe(
      'UNAVAILABLE',
    );
    expect(errorOf(() => box.open(`v2:${iv}:${tag}:${ciphertext}`)).message).toMatch(/v1/);
    expect(errorOf(() => box.open('plaintext')).code).toBe('UNAVAILABLE');
  });

  it('takes the key from DVM_SECRET_KEY, and refuses one of the wrong length', () => {
    const key = randomBytes(32).toString('base64');
    const box = loadSecretBox({ secretKey: key, dataDir });
    expect(loadSecretBox({ secretKey: key, dataDir }).open(box.seal('x'))).toBe('x');
    expect(fs.existsSync(secretKeyFile(dataDir))).toBe(false);

    expect(secretKeyProblem(key)).toBeUndefined();
    expect(secretKeyProblem(randomBytes(16).toString('base64'))).toMatch(
      /32 random bytes in base64.*decodes to 16 bytes/,
    );
    expect(secretKeyProblem('not base64!')).toMatch(/openssl rand -base64 32/);
    const bad = errorOf(() =>
      loadSecretBox({ secretKey: randomBytes(31).toString('base64'), dataDir }),
    );
    expect(bad).toMatchObject({ code: 'INVALID', errors: [{ path: 'DVM_SECRET_KEY' }] });
  });

  it('otherwise creates a key file (0600, directory 0700) once and keeps using it', () => {
    const first = loadSecretBox({ dataDir });
    const file = secretKeyFile(dataDir);
    expect(file).toBe(path.join(dataDir, 'keys', 'secret.key'));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const content = fs.readFileSync(file, 'utf8');
    const again = loadSecretBox({ dataDir });
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
    expect(again.open(first.seal('kept across restarts'))).toBe('kept across restarts');

    fs.writeFileSync(file, 'short\n');
    expect(errorOf(() => loadSecretBox({ dataDir })).message).toContain(file);
  });

  it('is validated with the rest of the configuration, never echoing the value', () => {
    const good = randomBytes(32).toString('base64');
    expect(loadConfig({ DVM_SECRET_KEY: good }).secretKey).toBe(good);
    expect(loadConfig({}).secretKey).toBeUndefined();
    const wrong = 'c2hvcnQta2V5';
    const error = errorOf(() => loadConfig({ DVM_SECRET_KEY: wrong }));
    expect(error.code).toBe('INVALID');
    expect(error.errors).toEqual([{ path: 'DVM_SECRET_KEY', message: expect.any(String) }]);
    expect(error.message).not.toContain(wrong);
  });
});
