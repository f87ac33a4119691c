// GET /tokens — your API tokens for the REST API and the dvm CLI: list (never the secrets),
// create (the secret is shown once) and revoke.

import { Time } from '@/components/time';
import { listTokens } from '@/lib/domain/list-tokens';
import type { TokenRecord } from '@/lib/store/identity-store';
import { contextFor, requirePrincipal } from '@/lib/server/session';
import { CreateTokenForm } from './create-token-form';
import { RevokeTokenButton } from './revoke-token-button';

export const dynamic = 'force-dynamic';

function status(token: TokenRecord, now: Date): string | undefined {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) return 'expired';
  return undefined;
}

export default async function TokensPage() {
  const principal = await requirePrincipal('/tokens');
  const tokens = await listTokens(await contextFor(principal));
  const now = new Date();

  return (
    <>
      <div className="page-header">
        <h1>API tokens</h1>
        <span className="muted">For the REST API and the dvm CLI</span>
      </div>
      <section className="panel" aria-labelledby="create-token-title">
        <h2 id="create-token-title">Create a token</h2>
        <CreateTokenForm allowAdminScope={principal.user.isAdmin} />
      </section>
      {tokens.length === 0 ? (
        <section className="empty">
          <p>
            <strong>No tokens yet.</strong>
          </p>
          <p>Create one above to call the API as yourself from scripts and the command line.</p>
        </section>
      ) : (
        <div className="table-wrap">
          <table aria-label="Tokens">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Scope</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((token) => {
                const state = status(token, now);
                return (
                  <tr key={token.id}>
                    <td>
                      {token.name}
                      {state && <span className="badge off">{state}</span>}
                    </td>
                    <td>
                      <code>{token.prefix}…</code>
                    </td>
                    <td>{token.scope}</td>
                    <td>
                      <Time value={token.createdAt} />
                    </td>
                    <td>
                      <Time value={token.lastUsedAt} fallback="never" />
                    </td>
                    <td>
                      <Time value={token.expiresAt} fallback="never" />
                    </td>
                    <td className="actions">
                      {!state && <RevokeTokenButton tokenId={token.id} name={token.name} />}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
