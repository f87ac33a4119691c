'use client';

// The YAML editor of /apply: the text, "Preview changes" (a dry run showing, per object, created /
// configured / unchanged and the diff) and "Apply" (enabled once the current text was previewed
// without problems, so nobody saves what they have not seen). Read-only for callers who may not
// change anything: they see the YAML and no controls.

import { useActionState, useState } from 'react';
import { FormMessage } from '@/components/form-message';
import { SubmitButton } from '@/components/submit-button';
import type { ApplyItem } from '@/lib/domain/apply-manifests';
import { applyYamlAction, type ApplyState } from './actions';

function DiffLines({ diff }: { diff: string }) {
  return (
    <pre className="diff" data-testid="apply-diff">
      {diff.split('\n').map((line, index) => {
        const kind =
          line.startsWith('+++') || line.startsWith('---')
            ? ''
            : line.startsWith('+')
              ? 'diff-add'
              : line.startsWith('-')
                ? 'diff-del'
                : line.startsWith('@@')
                  ? 'diff-hunk'
                  : '';
        return (
          <span key={index} className={kind || undefined}>
            {line}
            {'\n'}
          </span>
        );
      })}
    </pre>
  );
}

function itemName(item: ApplyItem): string {
  return [item.ecosystem, item.domain, item.app, item.name].filter(Boolean).join('/');
}

function Results({ state }: { state: ApplyState }) {
  const result = state.result;
  if (!result) return null;
  return (
    <section
      className="apply-results"
      aria-label={result.dryRun ? 'Preview' : 'Applied'}
      data-testid="apply-results"
    >
      {result.warnings.length > 0 && (
        <ul className="problems" aria-label="Warnings">
          {result.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      )}
      {result.items.map((item) => (
        <article key={`${item.kind} ${itemName(item)}`} className="apply-item">
          <h3>
            {item.kind} {itemName(item)}{' '}
            <span className={`badge result-${item.result}`} data-testid="apply-outcome">
              {item.result}
            </span>
            {item.convertedFrom && <span className="muted"> (was {item.convertedFrom})</span>}
          </h3>
          {result.dryRun && item.diff ? <DiffLines diff={item.diff} /> : null}
        </article>
      ))}
    </section>
  );
}

export function ApplyEditor({
  initialYaml,
  canApply,
  label,
}: {
  initialYaml: string;
  canApply: boolean;
  /** The editor's label, e.g. "Manifest of workspace platform/backend/api/dev". */
  label: string;
}) {
  const [state, action] = useActionState<ApplyState, FormData>(applyYamlAction, {});
  const [text, setText] = useState(initialYaml);
  const previewedThis =
    state.ok === true && state.result?.dryRun === true && state.values?.yaml === text;

  return (
    <form action={action} className="form yaml-form" aria-label={label}>
      <div className="field">
        <label htmlFor="yaml">{label}</label>
        <textarea
          id="yaml"
          name="yaml"
          className="yaml-editor"
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          readOnly={!canApply}
          value={text}
          onChange={(event) => setText(event.target.value)}
          aria-describedby="yaml-hint"
        />
        <p id="yaml-hint" className="field-hint">
          {canApply
            ? 'YAML or JSON; several documents separated by ---, or a kind: List. Preview shows what would change; Apply saves everything or nothing.'
            : 'Read only: your roles do not allow changing this.'}
        </p>
      </div>
      {canApply && (
        <div className="form-actions">
          <SubmitButton name="intent" value="preview" className="">
            Preview changes
          </SubmitButton>
          <SubmitButton
            name="intent"
            value="apply"
            disabled={!previewedThis}
            aria-describedby="apply-hint"
          >
            Apply
          </SubmitButton>
          <span id="apply-hint" className="muted">
            {previewedThis ? 'Saves exactly what the preview shows.' : 'Preview first.'}
          </span>
        </div>
      )}
      <FormMessage state={state} />
      {state.fieldErrors && (
        <ul className="problems" aria-label="Problems">
          {Object.values(state.fieldErrors).map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
      {state.problems && (
        <ul className="problems" aria-label="Problems" data-testid="apply-problems">
          {state.problems.map((problem) => (
            <li key={`${problem.where} ${problem.message}`}>
              <strong>{problem.where}:</strong> {problem.message}
            </li>
          ))}
        </ul>
      )}
      <Results state={state} />
    </form>
  );
}
