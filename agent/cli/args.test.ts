// dvm-agent's flags and their environment fallbacks, as a pure function.
import { describe, expect, it } from 'vitest';
import { UsageError, parseAgentArgs, type AgentConfig } from './args';

const HOME = '/home/dev';

function config(argv: string[], env: Record<string, string> = {}): AgentConfig {
  const parsed = parseAgentArgs(argv, env, HOME);
  if (parsed.kind !== 'run') throw new Error(`expected a run config, got ${parsed.kind}`);
  return parsed.config;
}

function usageError(argv: string[], env: Record<string, string> = {}): string {
  try {
    parseAgentArgs(argv, env, HOME);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('parseAgentArgs', () => {
  it('defaults everything under the state directory', () => {
    expect(config([])).toEqual({
      listen: 'unix:///home/dev/.local/state/dvm-agent/agent.sock',
      stateDir: '/home/dev/.local/state/dvm-agent',
      credentialHashFile: '/home/dev/.local/state/dvm-agent/credential.sha256',
      allowedRoots: [],
      runtime: 'docker',
      terminals: {},
    });
    expect(config(['--state-dir', '/srv/agent'])).toMatchObject({
      listen: 'unix:///srv/agent/agent.sock',
      credentialHashFile: '/srv/agent/credential.sha256',
    });
  });

  it('reads every flag, in both spellings, with environment fallbacks that flags override', () => {
    const env = {
      DVM_AGENT_LISTEN: 'unix:///run/env.sock',
      DVM_AGENT_STATE_DIR: '/var/lib/env',
      DVM_AGENT_CREDENTIAL_HASH_FILE: '/etc/env.sha256',
      DVM_ALLOWED_PATHS: '/srv/a:/srv/b',
      DVM_AGENT_RUNTIME: 'docker',
      DVM_AGENT_TLS_CERT: '/etc/tls/cert.pem',
      DVM_AGENT_TLS_KEY: '/etc/tls/key.pem',
      DVM_AGENT_JOIN_TOKEN: 'dvmj_env',
      DVM_CONTROL_PLANE_URL: 'https://dvm.example.com/',
      DVM_AGENT_ADVERTISE: 'agent-1.example.com:7443',
      DVM_AGENT_TERMINAL_WINDOW: '4MiB',
      DVM_AGENT_TERMINAL_ACK_BUDGET: '512KiB',
    };
    expect(config([], env)).toEqual({
      listen: 'unix:///run/env.sock',
      stateDir: '/var/lib/env',
      credentialHashFile: '/etc/env.sha256',
      allowedRoots: ['/srv/a', '/srv/b'],
      runtime: 'docker',
      tls: { certFile: '/etc/tls/cert.pem', keyFile: '/etc/tls/key.pem' },
      join: {
        token: 'dvmj_env',
        controlPlane: 'https://dvm.example.com',
        advertise: 'agent-1.example.com:7443',
      },
      terminals: { windowBytes: 4 * 1024 * 1024, ackBudgetBytes: 512 * 1024 },
    });
    expect(
      config(
        [
          '--listen=0.0.0.0:7443',
          '--state-dir',
          '/var/lib/flag',
          '--credential-hash-file=/etc/flag.sha256',
          '--allowed-roots',
          '/data:/data/:/home',
          '--join-token',
          'dvmj_flag',
          '--control-plane',
          'http://10.0.0.1:3000',
          '--advertise',
          '[fd00::1]:7443',
          '--terminal-window=2097152',
          '--terminal-ack-budget',
          '1MiB',
        ],
        env,
      ),
    ).toMatchObject({
      listen: '0.0.0.0:7443',
      stateDir: '/var/lib/flag',
      credentialHashFile: '/etc/flag.sha256',
      allowedRoots: ['/data', '/home'],
      join: {
        token: 'dvmj_flag',
        controlPlane: 'http://10.0.0.1:3000',
        advertise: '[fd00::1]:7443',
      },
      terminals: { windowBytes: 2 * 1024 * 1024, ackBudgetBytes: 1024 * 1024 },
    });
  });

  it('refuses terminal sizes that are malformed or out of range', () => {
    expect(usageError(['--terminal-window', '8MB'])).toMatch(/--terminal-window .*8MiB/);
    expect(usageError(['--terminal-window', '512KiB'])).toMatch(/from 1MiB to 1024MiB/);
    expect(usageError([], { DVM_AGENT_TERMINAL_ACK_BUDGET: '5MiB' })).toMatch(
      /DVM_AGENT_TERMINAL_ACK_BUDGET.*at most half the window \(4194304 bytes\)/,
    );
    expect(usageError(['--terminal-ack-budget', '1KiB'])).toMatch(/at least 64KiB/);
    expect(usageError(['--terminal-window', '9999999999MiB'])).toMatch(/from 1MiB to 1024MiB/);
    // A window smaller than the default takes a quarter of itself as the default budget.
    expect(config(['--terminal-window', '2MiB']).terminals).toEqual({
      windowBytes: 2 * 1024 * 1024,
      ackBudgetBytes: 512 * 1024,
    });
  });

  it('advertises the listen address unless told otherwise, but never a wildcard', () => {
    expect(
      config([
        '--join-token',
        't',
        '--control-plane',
        'https://cp',
        '--listen',
        'unix:///run/a.sock',
      ]).join,
    ).toMatchObject({ advertise: 'unix:///run/a.sock' });
    expect(
      usageError([
        '--join-token',
        't',
        '--control-plane',
        'https://cp',
        '--listen',
        '0.0.0.0:7443',
      ]),
    ).toContain('--advertise');
  });

  it.each([
    [['--allowed-roots', 'srv:/data'], 'absolute paths separated by ":", got "srv"'],
    [['--runtime', 'containerd'], 'the containerd runtime is not implemented yet; use docker'],
    [['--runtime', 'lxc'], 'unknown runtime "lxc"'],
    [['--tls-cert', '/c.pem'], 'TLS needs both --tls-cert'],
    [['--tls-key', '/k.pem'], 'only the key was given'],
    [['--listen', 'unix://relative.sock'], 'unix:///absolute/path.sock'],
    [['--listen', 'localhost'], 'neither unix:///absolute/path.sock nor host:port'],
    [['--listen', 'localhost:99999'], 'neither'],
    [['--listen', `unix:///${'x'.repeat(120)}.sock`], 'longer than 107 bytes'],
    [['--join-token', 'dvmj_x'], 'needs --control-plane'],
    [['--join-token', 'dvmj_x', '--control-plane', 'ftp://cp'], 'http:// or https://'],
    [['--join-token', 'dvmj_x', '--control-plane', 'not a url'], 'is not a URL'],
    [['--listen'], '--listen needs a value'],
    [['--bogus'], 'unknown option --bogus'],
    [['serve'], 'unexpected argument "serve"'],
  ])('refuses %j', (argv, message) => {
    expect(usageError(argv)).toContain(message);
  });

  it('refuses an unknown DVM_PLATFORM and a relative DVM_ALLOWED_PATHS entry', () => {
    expect(usageError([], { DVM_PLATFORM: 'vmware' })).toContain('DVM_PLATFORM "vmware"');
    expect(usageError([], { DVM_ALLOWED_PATHS: '/ok:rel' })).toContain('DVM_ALLOWED_PATHS');
  });

  it('takes the default image builder from --builder or DVM_AGENT_BUILDER', () => {
    expect(config([]).builder).toBeUndefined();
    expect(config(['--builder', 'docker-api']).builder).toBe('docker-api');
    expect(config([], { DVM_AGENT_BUILDER: 'BuildKit' }).builder).toBe('buildkit');
    expect(config(['--builder=docker-api'], { DVM_AGENT_BUILDER: 'buildkit' }).builder).toBe(
      'docker-api',
    );
    expect(usageError(['--builder', 'kaniko'])).toBe(
      '--builder (DVM_AGENT_BUILDER): unknown builder "kaniko"; use buildkit or docker-api',
    );
  });

  it('answers --help and --version before anything else', () => {
    expect(parseAgentArgs(['--runtime', 'lxc', '--help'], {}, HOME)).toEqual({ kind: 'help' });
    expect(parseAgentArgs(['-h'], {}, HOME)).toEqual({ kind: 'help' });
    expect(parseAgentArgs(['--version'], {}, HOME)).toEqual({ kind: 'version' });
  });
});
