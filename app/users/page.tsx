// GET /users — administrators list accounts, create them (with an initial password shown once)
// and disable or re-enable them. Everyone else is told the page is for administrators.

import { Notice } from '@/components/notice';
import { Time } from '@/components/time';
import { MIN_PASSWORD_LENGTH } from '@/lib/auth/password';
import { can } from '@/lib/domain/authorize';
import { listUsers } from '@/lib/domain/list-users';
import { hasErrorCode } from '@/lib/errors';
import { contextFor, requirePrincipal } from '@/lib/server/session';
import { CreateUserForm } from './create-user-form';
import { UserStatusButton } from './user-status-button';

export const dynamic = 'force-dynamic';

const PAGE_SIZE = 50;

interface UsersProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function UsersPage({ searchParams }: UsersProps) {
  const { cursor: rawCursor } = await searchParams;
  const cursor = typeof rawCursor === 'string' && rawCursor !== '' ? rawCursor : undefined;
  const principal = await requirePrincipal(
    cursor ? `/users?cursor=${encodeURIComponent(cursor)}` : '/users',
  );
  const ctx = await contextFor(principal);

  let page;
  try {
    page = await listUsers(ctx, { limit: PAGE_SIZE, ...(cursor && { cursor }) });
  } catch (error) {
    if (hasErrorCode(error, 'FORBIDDEN')) {
      return (
        <>
          <h1>Users</h1>
          <Notice title="You do not have access to this page." alert>
            <p>{error.message}</p>
          </Notice>
        </>
      );
    }
    if (cursor && hasErrorCode(error, 'INVALID')) {
      return (
        <>
          <h1>Users</h1>
          <Notice title="That page link is no longer valid.">
            <p>
              <a href="/users">Go to the first page</a>
            </p>
          </Notice>
        </>
      );
    }
    throw error;
  }
  const manage = await can(ctx, 'users.manage');

  return (
    <>
      <div className="page-header">
        <h1>Users</h1>
        <span className="muted">Accounts that can sign in to this server</span>
      </div>
      {manage && (
        <section className="panel" aria-labelledby="create-user-title">
          <h2 id="create-user-title">Create a user</h2>
          <CreateUserForm passwordHint={`At least ${MIN_PASSWORD_LENGTH} characters.`} />
        </section>
      )}
      <div className="table-wrap">
        <table aria-label="Users">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Last sign-in</th>
              {manage && (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {page.items.map((user) => (
              <tr key={user.id}>
                <td>
                  {user.email}
                  {user.isAdmin && <span className="badge">admin</span>}
                  {user.disabled && <span className="badge off">disabled</span>}
                  {user.mustChangePassword && !user.disabled && (
                    <span className="badge">initial password</span>
                  )}
                </td>
                <td>{user.name}</td>
                <td>
                  <Time value={user.createdAt} />
                </td>
                <td>
                  <Time value={user.lastSignInAt} fallback="never" />
                </td>
                {manage && (
                  <td className="actions">
                    {user.id !== principal.user.id && (
                      <UserStatusButton
                        userId={user.id}
                        email={user.email}
                        disabled={user.disabled}
                      />
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {(cursor || page.nextCursor) && (
        <nav className="pager" aria-label="Pages">
          {cursor && <a href="/users">First page</a>}
          {page.nextCursor && (
            <a href={`/users?cursor=${encodeURIComponent(page.nextCursor)}`}>Next page</a>
          )}
        </nav>
      )}
    </>
  );
}
