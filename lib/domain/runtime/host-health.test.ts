import { describe, expect, it } from 'vitest';
import { healthOf } from './host-health';

const now = new Date('2026-11-27T12:00:10Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

describe('healthOf', () => {
  it('is healthy while heartbeats arrive and the engine answers', () => {
    expect(healthOf({ lastHeartbeatAt: ago(1500), engineReachable: true }, now, 1000)).toEqual({
      status: 'healthy',
    });
  });

  it('is unhealthy once two intervals pass without a heartbeat, saying how long', () => {
    expect(healthOf({ lastHeartbeatAt: ago(2500), engineReachable: true }, now, 1000)).toEqual({
      status: 'unhealthy',
      reason: 'no heartbeat for 2.5s',
    });
  });

  it('names the stream error when the agent cannot be reached', () => {
    expect(healthOf({ streamError: 'connect ECONNREFUSED' }, now, 1000)).toEqual({
      status: 'unhealthy',
      reason: 'agent unreachable (connect ECONNREFUSED); no heartbeat yet',
    });
  });

  it('tells an unreachable engine from an unreachable agent', () => {
    expect(
      healthOf(
        {
          lastHeartbeatAt: ago(100),
          engineReachable: false,
          engineError: 'connect ENOENT /run/docker.sock',
        },
        now,
        1000,
      ),
    ).toEqual({
      status: 'unhealthy',
      reason: 'the agent cannot reach its container engine: connect ENOENT /run/docker.sock',
    });
  });
});
