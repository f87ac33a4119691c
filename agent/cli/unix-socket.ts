// Before listening on a unix socket: a socket file left by an agent that died is removed (nothing
// answers on it), but one a live process still serves is never taken over — two agents on one
// socket would each see half the calls.
import { lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { AppError } from '../../lib/errors';

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const done = (live: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(live);
    };
    // Something that accepts but is slow is still someone else's.
    const timer = setTimeout(() => done(true), 1000);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Returns 'stale' when an old socket file was removed, 'free' when there was none. */
export async function claimSocketPath(socketPath: string): Promise<'free' | 'stale'> {
  let stat;
  try {
    stat = await lstat(socketPath);
  } catch {
    return 'free';
  }
  if (!stat.isSocket()) {
    throw new AppError(
      'CONFLICT',
      `${socketPath} exists and is not a socket: remove it or choose another --listen.`,
    );
  }
  if (await answers(socketPath)) {
    throw new AppError(
      'CONFLICT',
      `Another process is already serving unix://${socketPath} (an agent already running?): stop it or choose another --listen.`,
    );
  }
  await unlink(socketPath);
  return 'stale';
}
