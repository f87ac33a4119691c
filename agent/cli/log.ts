// dvm-agent's log: one JSON object per line ({"time","level","msg",...fields}) so a supervisor or
// log shipper can read it without parsing prose. Secrets registered with `redact` are replaced in
// every line as a last line of defence: nothing should pass them in, but a message quoting a
// request (a URL, an error from the control plane) could.
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  (level: Level, msg: string, fields?: Record<string, unknown>): void;
  /** Never print `secret`, whatever carries it. */
  redact(secret: string): void;
}

export function jsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  const secrets: string[] = [];
  const log = ((level, msg, fields = {}) => {
    let line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
    for (const secret of secrets) line = line.split(secret).join('***');
    write(`${line}\n`);
  }) as Logger;
  log.redact = (secret) => {
    if (secret.length >= 8 && !secrets.includes(secret)) secrets.push(secret);
  };
  return log;
}
