// GET /account/password — change your password; the only page open to users who must choose their
// own password before anything else (accounts created with an initial password).

import { MIN_PASSWORD_LENGTH } from '@/lib/auth/password';
import { requirePrincipal } from '@/lib/server/session';
import { PasswordForm } from './password-form';

export const dynamic = 'force-dynamic';

export default async function PasswordPage() {
  const principal = await requirePrincipal('/account/password', { allowPasswordChange: true });
  const forced = principal.user.mustChangePassword;
  return (
    <section aria-labelledby="password-title">
      <h1 id="password-title">{forced ? 'Choose your password' : 'Change password'}</h1>
      {forced ? (
        <p role="status" className="notice">
          Your account was created with an initial password. Choose your own password to continue.
        </p>
      ) : (
        <p className="muted">
          Signed in as {principal.user.email}. Your other browser sessions are signed out when the
          password changes.
        </p>
      )}
      <div className="panel panel-narrow">
        <PasswordForm
          email={principal.user.email}
          passwordHint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        />
      </div>
    </section>
  );
}
