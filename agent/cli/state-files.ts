// The files in the agent's state directory: the credential's hash (the only form in which the agent
// keeps its credential) and the record of a completed join. Both are written atomically (a
// temporary file renamed over the old one) with mode 0600, so a crash never leaves half a hash.
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/** Creates the state directory (and parents) with mode 0700; an existing one is left as it is. */
export async function ensureStateDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode is filtered by the umask; the directory holds the socket and the hash.
  if (created !== undefined) await chmod(dir, 0o700);
}

export async function writeAtomically(file: string, content: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(temp, content, { mode: 0o600 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export type HashFile =
  { kind: 'ok'; hash: string } | { kind: 'missing' } | { kind: 'invalid'; reason: string };

export async function readCredentialHash(file: string): Promise<HashFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'invalid', reason: `cannot be read (${code ?? 'error'})` };
  }
  const hash = text.trim().toLowerCase();
  return HEX_SHA256.test(hash)
    ? { kind: 'ok', hash }
    : { kind: 'invalid', reason: 'does not hold a hex SHA-256 (64 hex digits)' };
}

/** The file's content now, to put back if a join fails (undefined: there was none). */
export async function readIfExists(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface JoinRecord {
  /** SHA-256 of the join token used (never the token). */
  tokenSha256: string;
  host: string;
  controlPlane: string;
  address: string;
  at: string;
}

export function joinRecordFile(stateDir: string): string {
  return path.join(stateDir, 'joined.json');
}

export async function readJoinRecord(stateDir: string): Promise<JoinRecord | undefined> {
  try {
    const parsed = JSON.parse(
      await readFile(joinRecordFile(stateDir), 'utf8'),
    ) as Partial<JoinRecord>;
    return typeof parsed.tokenSha256 === 'string' && typeof parsed.host === 'string'
      ? (parsed as JoinRecord)
      : undefined;
  } catch {
    return undefined;
  }
}
