'use client';

// Building the workspace image from the page: a Build button (POST …/build, the same REST call
// the CLI makes, with the session cookie), then the build followed live over Server-Sent Events
// (…/builds/{id}/log?follow=true, which replays from the start): each step with its cache hit and
// duration as it happens, a tail of the log, and — when it fails — the reason in plain words with
// the failed step, its exit code and the last log lines. A reload picks the running build up again.

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';

interface Step {
  id: string;
  name: string;
  state: 'started' | 'completed' | 'cached' | 'failed';
  startedAt?: string;
  completedAt?: string;
}

interface Failure {
  message: string;
  failedStep?: string;
  exitCode?: number;
  lastLines: string[];
}

interface Finished {
  status: string;
  tag?: string;
  durationMs?: number;
  reused?: boolean;
  failure?: Failure;
}

const TAIL_LINES = 200;

function seconds(ms: number | undefined): string {
  return ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`;
}

/** Generated steps can be long shell scripts: the first line, cut; the title has it all. */
function shortName(name: string): string {
  const line = name.split('\n')[0]!;
  return line.length > 120 ? `${line.slice(0, 117)}…` : line;
}

function stepDuration(step: Step): number | undefined {
  if (!step.startedAt || !step.completedAt) return undefined;
  return Date.parse(step.completedAt) - Date.parse(step.startedAt);
}

export function BuildPanel({
  apiPath,
  mayBuild,
  activeBuildId,
}: {
  /** `/api/v1/ecosystems/…/workspaces/{ws}` */
  apiPath: string;
  mayBuild: boolean;
  /** A build still queued or running when the page was rendered, to follow right away. */
  activeBuildId?: string;
}) {
  const [buildId, setBuildId] = useState<string | undefined>(activeBuildId);
  const [status, setStatus] = useState<string>(activeBuildId ? 'queued' : 'idle');
  const [steps, setSteps] = useState<Step[]>([]);
  const [log, setLog] = useState<string[]>([]);
  const [finished, setFinished] = useState<Finished | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [sending, setSending] = useState(false);
  const partial = useRef('');
  const router = useRouter();

  useEffect(() => {
    if (!buildId) return;
    setSteps([]);
    setLog([]);
    setFinished(undefined);
    partial.current = '';
    const source = new EventSource(`${apiPath}/builds/${buildId}/log?follow=true`);
    source.addEventListener('status', (e) => {
      const data = JSON.parse((e as MessageEvent<string>).data) as { status: string };
      setStatus(data.status);
    });
    source.addEventListener('prepared', () => setStatus('running'));
    source.addEventListener('step', (e) => {
      const step = JSON.parse((e as MessageEvent<string>).data) as Step;
      setSteps((previous) => {
        const at = previous.findIndex((s) => s.id === step.id);
        if (at === -1) return [...previous, step];
        const next = [...previous];
        next[at] = step;
        return next;
      });
    });
    source.addEventListener('log', (e) => {
      const { text } = JSON.parse((e as MessageEvent<string>).data) as { text: string };
      const lines = (partial.current + text).split('\n');
      partial.current = lines.pop() ?? '';
      if (lines.length > 0) setLog((previous) => [...previous, ...lines].slice(-TAIL_LINES));
    });
    source.addEventListener('finished', (e) => {
      const build = JSON.parse((e as MessageEvent<string>).data) as Finished;
      setFinished(build);
      setStatus(build.status);
      source.close();
      router.refresh(); // the history table and the container panel are server-rendered
    });
    source.addEventListener('error', () => {
      // EventSource reconnects by itself (resuming with Last-Event-ID); say so while it does.
      if (source.readyState === EventSource.CONNECTING) setError('Connection lost; reconnecting…');
    });
    source.addEventListener('open', () => setError(undefined));
    return () => source.close();
  }, [apiPath, buildId, router]);

  async function startBuild() {
    setSending(true);
    setError(undefined);
    try {
      const response = await fetch(`${apiPath}/build`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      const body = (await response.json()) as { id?: string; detail?: string };
      if (!response.ok || !body.id) {
        setError(body.detail ?? `The build could not be started (HTTP ${response.status}).`);
        return;
      }
      setStatus('queued');
      setBuildId(body.id);
    } catch {
      setError('The server could not be reached.');
    } finally {
      setSending(false);
    }
  }

  const busy = status === 'queued' || status === 'running';
  return (
    <section
      className="panel"
      aria-labelledby="build-title"
      data-testid="build-panel"
      data-status={status}
    >
      <h2 id="build-title">Image build</h2>
      {mayBuild && (
        <div className="form-actions">
          <button type="button" className="primary" onClick={startBuild} disabled={sending || busy}>
            {busy ? 'Building…' : 'Build'}
          </button>
        </div>
      )}
      {error && (
        <p role="alert" className="form-message error">
          {error}
        </p>
      )}
      {buildId && (
        <p role="status" aria-live="polite">
          Build <code>{buildId.slice(0, 8)}</code>: <strong>{status}</strong>
          {finished?.tag && (
            <>
              {' '}
              → <code>{finished.tag}</code>
            </>
          )}
          {finished?.reused && ' (same inputs as an earlier build: nothing to build)'}
          {finished?.durationMs !== undefined && ` in ${seconds(finished.durationMs)}`}
        </p>
      )}
      {finished?.failure && (
        <div role="alert" className="build-failure">
          <p>
            <strong>The build failed</strong>
            {finished.failure.failedStep && (
              <>
                {' '}
                at <code>{finished.failure.failedStep}</code>
              </>
            )}
            {finished.failure.exitCode !== undefined &&
              ` (the command exited with code ${finished.failure.exitCode})`}
            : {finished.failure.message}
          </p>
          {finished.failure.lastLines.length > 0 && (
            <pre className="log" aria-label="Last lines of the build log">
              {finished.failure.lastLines.join('\n')}
            </pre>
          )}
        </div>
      )}
      {steps.length > 0 && (
        <ol className="steps" aria-label="Build steps">
          {steps.map((step) => (
            <li key={step.id} data-state={step.state}>
              <span className={`chip step-${step.state}`}>{step.state}</span>{' '}
              <span title={step.name}>{shortName(step.name)}</span>{' '}
              <span className="muted">{seconds(stepDuration(step))}</span>
            </li>
          ))}
        </ol>
      )}
      {log.length > 0 && (
        <pre className="log" aria-label="Build log (last lines)" data-testid="build-log">
          {log.join('\n')}
        </pre>
      )}
    </section>
  );
}
