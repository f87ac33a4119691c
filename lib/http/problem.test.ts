import { afterEach, describe, expect, it, vi } from 'vitest';
import { throttledError } from '@/lib/auth/throttle';
import { AppError, type ErrorCode } from '@/lib/errors';
import { HttpProblem } from './http-problem';
import { errorResponse } from './problem';

afterEach(() => vi.restoreAllMocks());

describe('errorResponse', () => {
  it.each<[ErrorCode, number]>([
    ['INVALID', 400],
    ['UNAUTHENTICATED', 401],
    ['FORBIDDEN', 403],
    ['NOT_FOUND', 404],
    ['ALREADY_EXISTS', 409],
    ['CONFLICT', 409],
    ['HAS_CHILDREN', 409],
    ['NOT_IMPLEMENTED', 501],
    ['UNAVAILABLE', 503],
  ])('maps %s to %i with the message as detail', async (code, status) => {
    const response = errorResponse(
      new AppError(code, 'Said for the user.', { errors: [{ path: 'a.b', message: 'bad' }] }),
    );
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toEqual({
      type: 'about:blank',
      title: expect.any(String),
      status,
      detail: 'Said for the user.',
      code,
      errors: [{ path: 'a.b', message: 'bad' }],
    });
  });

  it('asks for a Bearer token on 401', () => {
    const response = errorResponse(new AppError('UNAUTHENTICATED', 'Sign in.'));
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('turns a throttled attempt into 429 with Retry-After', async () => {
    const response = errorResponse(throttledError(17));
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('17');
    expect(((await response.json()) as { code: string }).code).toBe('THROTTLED');
  });

  it('maps HTTP-level refusals (413, 415)', () => {
    expect(errorResponse(new HttpProblem('PAYLOAD_TOO_LARGE', 'big')).status).toBe(413);
    expect(errorResponse(new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 'json')).status).toBe(415);
  });

  it('answers anything else with 500 and an id, logging the real error under that id', async () => {
    const logged: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => logged.push(line));
    const response = errorResponse(new Error('db password=hunter2 at host x'), {
      method: 'GET',
      path: '/api/v1/me',
    });
    const body = (await response.json()) as { id: string; detail: string; code: string };
    expect(response.status).toBe(500);
    expect(body.code).toBe('INTERNAL');
    expect(JSON.stringify(body)).not.toContain('hunter2');
    expect(body.detail).toContain(body.id);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(body.id);
    expect(logged[0]).toContain('hunter2');
  });

  it('treats an INTERNAL AppError like any unknown error', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const response = errorResponse(new AppError('INTERNAL', 'internal detail'));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('internal detail');
  });
});
