// A timestamp as people read it (UTC, so server-rendered pages show the same text everywhere),
// with the exact instant in the `dateTime` attribute.

const format = new Intl.DateTimeFormat('en', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

export function Time({
  value,
  fallback = '—',
  precise = false,
}: {
  value: Date | undefined;
  fallback?: string;
  /** `2026-11-27 17:27:04 UTC`: to the second and sortable by eye, for logs. */
  precise?: boolean;
}) {
  if (!value) return <span className="muted">{fallback}</span>;
  const iso = value.toISOString();
  return (
    <time dateTime={iso} className="nowrap">
      {precise ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : format.format(value)} UTC
    </time>
  );
}
