'use client';

// The error boundary for every page: production builds pass only a digest, which matches the
// server log line for the failure, so the user gets something to quote and nothing internal.

export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <section className="empty" role="alert">
      <p>
        <strong>Something went wrong on the server.</strong>
      </p>
      <p>
        Try again; if it keeps failing, an administrator can find the details in the server log
        {error.digest ? ' under this reference: ' : '.'}
        {error.digest && <code>{error.digest}</code>}
      </p>
      <p>
        <button type="button" onClick={() => reset()}>
          Try again
        </button>
      </p>
    </section>
  );
}
