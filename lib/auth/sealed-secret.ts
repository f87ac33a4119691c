// Secrets the control plane must be able to read back — each host agent's credential, which it
// presents on every gRPC call — are kept sealed at rest with AES-256-GCM under one 32-byte key:
// `DVM_SECRET_KEY` (base64) when set, else `<DVM_DATA_DIR>/keys/secret.key`, created on first use
// with mode 0600. Replicas sharing one PostgreSQL need the same key, so they set DVM_SECRET_KEY.
//
// Sealed form: `v1:<iv>:<tag>:<ciphertext>` (base64 each; a fresh 96-bit IV per seal). The version
// prefix leaves room for another algorithm or key later without guessing what a value is.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { AppError } from '@/lib/errors';

export const SECRET_KEY_BYTES = 32;
export const SECRET_KEY_VARIABLE = 'DVM_SECRET_KEY';
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface SecretBox {
  /** `v1:<iv>:<tag>:<ciphertext>`; a different value every time, even for the same plaintext. */
  seal(plaintext: string): string;
  /** The plaintext; UNAVAILABLE when the value was sealed with another key or was altered. */
  open(sealed: string): string;
}

/** Why `value` cannot be the key (base64 of exactly 32 bytes), or undefined when it can. */
export function secretKeyProblem(value: string): string | undefined {
  const trimmed = value.trim();
  const bytes = BASE64.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
  if (bytes === undefined || bytes.length !== SECRET_KEY_BYTES) {
    return `${SECRET_KEY_VARIABLE} must be ${SECRET_KEY_BYTES} random bytes in base64 (e.g. \`openssl rand -base64 32\`)${
      bytes === undefined ? '' : `; it decodes to ${bytes.length} bytes`
    }.`;
  }
  return undefined;
}

export function secretKeyFile(dataDir: string): string {
  return path.join(dataDir, 'keys', 'secret.key');
}

function fromBase64(value: string, where: string): Buffer {
  const problem = secretKeyProblem(value);
  if (problem) {
    throw new AppError('INVALID', `${where}: ${problem}`, {
      errors: [{ path: SECRET_KEY_VARIABLE, message: problem }],
    });
  }
  return Buffer.from(value.trim(), 'base64');
}

/**
 * The key file's key, creating the file (0600, in a 0700 directory) when there is none. Creation
 * is exclusive, so two processes starting together end up with the same key.
 */
function keyFromFile(dataDir: string): Buffer {
  const file = secretKeyFile(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, `${randomBytes(SECRET_KEY_BYTES).toString('base64')}\n`, {
      flag: 'wx',
      mode: 0o600,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new AppError('UNAVAILABLE', `Cannot create the secret key file ${file}.`, {
        cause: error,
      });
    }
  }
  return fromBase64(fs.readFileSync(file, 'utf8'), `The secret key file ${file}`);
}

/**
 * UNAVAILABLE rather than INTERNAL: whatever needed the secret (reaching a host's agent) cannot
 * happen, and the operator must read why, which a 500 would hide.
 */
function unreadable(cause?: unknown): AppError {
  return new AppError(
    'UNAVAILABLE',
    `A stored secret cannot be decrypted with this control plane's key: ${SECRET_KEY_VARIABLE} (or the key file in DVM_DATA_DIR/keys) changed since it was stored. Restore the old key, or re-join the host with a new join token.`,
    { cause },
  );
}

export function secretBox(key: Buffer): SecretBox {
  if (key.length !== SECRET_KEY_BYTES) {
    throw new AppError('INVALID', `The secret key must be ${SECRET_KEY_BYTES} bytes.`);
  }
  return {
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), ciphertext]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64')))
        .join(':');
    },
    open(sealed) {
      const parts = typeof sealed === 'string' ? sealed.split(':') : [];
      if (parts.length !== 4 || parts[0] !== VERSION) {
        throw new AppError(
          'UNAVAILABLE',
          'A stored secret is not in a sealed form this version reads (expected v1:…).',
        );
      }
      const [iv, tag, ciphertext] = parts.slice(1).map((part) => Buffer.from(part, 'base64'));
      if (iv!.length !== IV_BYTES || tag!.length !== TAG_BYTES) throw unreadable();
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv!);
        decipher.setAuthTag(tag!);
        return Buffer.concat([decipher.update(ciphertext!), decipher.final()]).toString('utf8');
      } catch (error) {
        throw unreadable(error);
      }
    },
  };
}

/**
 * The control plane's SecretBox: from `secretKey` (the value of DVM_SECRET_KEY) when given, else
 * from the key file in `dataDir`.
 */
export function loadSecretBox(options: { secretKey?: string; dataDir: string }): SecretBox {
  const key =
    options.secretKey !== undefined
      ? fromBase64(options.secretKey, SECRET_KEY_VARIABLE)
      : keyFromFile(options.dataDir);
  return secretBox(key);
}
