// GET /setup — first-run setup: creates the first administrator. Only while no account exists;
// afterwards it sends visitors to sign in.

import { redirect } from 'next/navigation';
import { MIN_PASSWORD_LENGTH } from '@/lib/auth/password';
import { needsSetup } from '@/lib/domain/needs-setup';
import { getRuntime } from '@/lib/server/runtime';
import { SetupForm } from './setup-form';

export const dynamic = 'force-dynamic';

export default async function SetupPage() {
  const { store } = await getRuntime();
  if (!(await needsSetup({ store }))) redirect('/signin');
  return (
    <section className="auth-card" aria-labelledby="setup-title">
      <h1 id="setup-title">Set up DevOpsMaestro</h1>
      <p className="muted">
        No account exists yet. Create the first administrator; they can then invite everyone else.
      </p>
      <SetupForm passwordHint={`At least ${MIN_PASSWORD_LENGTH} characters.`} />
    </section>
  );
}
