// A workspace's runtime state as reconciliation read it back from its host, with the reason when
// it is not what was asked for. Never a guess: the caller passes what the store recorded.

const STATE_WORDS: Record<string, string> = {
  'not-created': 'Not created',
  running: 'Running',
  stopped: 'Stopped',
  missing: 'Missing',
  unknown: 'Unknown',
};

export function StatusBadge({ state, reason }: { state: string; reason?: string | undefined }) {
  return (
    <span className="status" data-state={state}>
      <span className={`chip state-${state}`}>{STATE_WORDS[state] ?? state}</span>
      {reason && <span className="status-reason muted"> — {reason}</span>}
    </span>
  );
}
