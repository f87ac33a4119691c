'use client';

// The Terminals section of a workspace page: its sessions as tabs (GET …/terminals), "New
// terminal" (POST) for those who may operate the workspace, and "End" (DELETE). The open tab is
// kept in the URL (`?terminal=<id>`), so a reload shows the same session and its screen (the
// agent sends a snapshot). Closing the page only detaches: the session lives on until it exits,
// is ended here, or has had no viewer for its idle timeout.

import { useCallback, useEffect, useState } from 'react';
import { TerminalView } from './terminal-view';

interface Session {
  id: string;
  title: string;
  state: string;
  socketPath: string;
  startedAt: string;
  viewers: unknown[];
}

async function problemText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { detail?: string };
    return body.detail ?? `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

export function TerminalsPanel({
  apiPath,
  mayOpen,
  running,
}: {
  /** `/api/v1/ecosystems/…/workspaces/{ws}` */
  apiPath: string;
  mayOpen: boolean;
  running: boolean;
}) {
  const [sessions, setSessions] = useState<Session[]>([]);
  const [active, setActive] = useState<string | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const select = useCallback((id: string | undefined) => {
    setActive(id);
    const url = new URL(window.location.href);
    if (id) url.searchParams.set('terminal', id);
    else url.searchParams.delete('terminal');
    window.history.replaceState(null, '', url);
  }, []);

  const refresh = useCallback(async () => {
    const response = await fetch(`${apiPath}/terminals`, { cache: 'no-store' });
    if (!response.ok) {
      setError(await problemText(response));
      return [];
    }
    const items = ((await response.json()) as { items: Session[] }).items;
    setSessions(items);
    return items;
  }, [apiPath]);

  useEffect(() => {
    void refresh().then((items) => {
      const wanted = new URL(window.location.href).searchParams.get('terminal');
      const found = items.find((s) => s.id === wanted) ?? items.find((s) => s.state === 'running');
      if (found) setActive(found.id);
    });
  }, [refresh]);

  async function open() {
    setBusy(true);
    setError('');
    try {
      const response = await fetch(`${apiPath}/terminals`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      if (!response.ok) {
        setError(await problemText(response));
        return;
      }
      const session = (await response.json()) as Session;
      setSessions((list) => [...list, session]);
      select(session.id);
    } finally {
      setBusy(false);
    }
  }

  async function end(id: string) {
    setError('');
    const response = await fetch(`${apiPath}/terminals/${encodeURIComponent(id)}`, {
      method: 'DELETE',
    });
    if (!response.ok) setError(await problemText(response));
    const items = await refresh();
    if (active === id) select(items.find((s) => s.state === 'running')?.id);
  }

  const current = sessions.find((s) => s.id === active);
  return (
    <section className="panel" aria-labelledby="terminals-title" data-testid="terminals">
      <h2 id="terminals-title">Terminals</h2>
      {!running && sessions.length === 0 && (
        <p className="muted">Start the workspace to open a terminal in it.</p>
      )}
      <div role="tablist" aria-label="Terminal sessions" className="terminal-tabs">
        {sessions.map((session) => (
          <button
            key={session.id}
            type="button"
            role="tab"
            aria-selected={session.id === active}
            data-session={session.id}
            onClick={() => select(session.id)}
          >
            {session.title}
            {session.state === 'exited' ? ' (ended)' : ''}
          </button>
        ))}
        {mayOpen && running && (
          <button type="button" onClick={() => void open()} disabled={busy}>
            New terminal
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      {current && (
        <>
          <TerminalView key={current.id} sessionId={current.id} socketPath={current.socketPath} />
          {mayOpen && current.state === 'running' && (
            <p>
              <button type="button" onClick={() => void end(current.id)}>
                End this session
              </button>{' '}
              <span className="muted">
                Closing the page keeps it running (30 minutes without viewers, then it ends).
              </span>
            </p>
          )}
        </>
      )}
    </section>
  );
}
