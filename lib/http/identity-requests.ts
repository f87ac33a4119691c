// The REST request shapes of identity and access (tokens, users, members, tickets, audit): zod
// schemas that turn JSON bodies and query strings into the domain's typed inputs. Unknown fields
// are refused (DESIGN.md §4); every problem is reported with its field path as one INVALID error.
// Rules about the values themselves (password strength, who may grant what) stay in the domain.

import { z } from 'zod';
import { manifestErrorMap, summarize, toFieldErrors } from '@/lib/contracts/field-errors';
import { invalid } from '@/lib/errors';

/** Parses `value` with `schema`, or throws INVALID naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string) {
  const result = schema.safeParse(value, { error: manifestErrorMap });
  if (result.success) return result.data as z.output<S>;
  const errors = toFieldErrors(result.error.issues);
  throw invalid(`${summarize(what, errors)}.`, errors);
}

const MAX_EXPIRY_DAYS = 3650;
const DAY_MS = 24 * 60 * 60 * 1000;

const isoDate = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), {
    message: 'must be a date and time such as 2030-01-31T12:00:00Z',
  })
  .transform((value) => new Date(value));

const scope = z.enum(['read', 'write', 'admin']);
const role = z.enum(['owner', 'developer', 'viewer']);
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max, { message: `must be at most ${max} characters` });

/**
 * `POST /api/v1/tokens`: `{name, scope?, expiresAt? | expiresInDays?}`. The scope defaults to
 * `write` (everything but administration); `expiresInDays` is resolved against `now`.
 */
export function createTokenRequest(now: Date) {
  return z
    .strictObject({
      name: text(100),
      scope: scope.default('write'),
      expiresAt: isoDate.optional(),
      expiresInDays: z.number().int().min(1).max(MAX_EXPIRY_DAYS).optional(),
    })
    .refine((body) => body.expiresAt === undefined || body.expiresInDays === undefined, {
      message: 'give expiresAt or expiresInDays, not both',
      path: ['expiresInDays'],
    })
    .transform(({ name, scope, expiresAt, expiresInDays }) => {
      const expiry =
        expiresInDays !== undefined ? new Date(now.getTime() + expiresInDays * DAY_MS) : expiresAt;
      return { name, scope, ...(expiry && { expiresAt: expiry }) };
    });
}

/** `POST /api/v1/users`. */
export const createUserRequest = z.strictObject({
  email: text(254),
  name: text(200).optional(),
  password: z.string().optional(),
  isAdmin: z.boolean().optional(),
});

/** `PATCH /api/v1/users/{id}`: exactly one change per request. */
export const updateUserRequest = z.union([
  z.strictObject({ disabled: z.boolean() }),
  z.strictObject({ isAdmin: z.boolean() }),
]);

/** `PUT /api/v1/ecosystems/{eco}/members`: the user by id or by email, and the role. */
export const setMemberRequest = z
  .strictObject({
    userId: text(100).optional(),
    email: text(254).optional(),
    role,
  })
  .refine((body) => (body.userId === undefined) !== (body.email === undefined), {
    message: 'give the user as userId or as email (one of the two)',
    path: ['userId'],
  });

/** `POST /api/v1/tickets`. */
export const mintTicketRequest = z.strictObject({ purpose: text(300) });

const limit = z.coerce.number().int().min(1).max(500);

/** `?limit=&cursor=` of list routes. */
export const pageQuery = z.strictObject({
  limit: limit.optional(),
  cursor: z.string().min(1).optional(),
});

/** `GET /api/v1/audit` query: filters and keyset paging. `actor` is a user id. */
export const auditQuery = z.strictObject({
  actor: z.string().min(1).optional(),
  action: z.string().min(1).optional(),
  source: z.enum(['ui', 'api', 'cli', 'system']).optional(),
  ecosystem: z.string().min(1).optional(),
  since: isoDate.optional(),
  until: isoDate.optional(),
  limit: limit.optional(),
  cursor: z.string().min(1).optional(),
});

/** `GET /api/v1/tokens` query: an administrator may name another user. */
export const listTokensQuery = z.strictObject({ userId: z.string().min(1).optional() });

/** Drops keys whose value is undefined (the domain's inputs use exactOptionalPropertyTypes style). */
export function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
