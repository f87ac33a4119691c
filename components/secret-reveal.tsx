'use client';

// A secret shown once (an API token, an initial password): selectable in a read-only field, with a
// copy button and a plain warning that it will not be shown again.

import { useState } from 'react';

export function SecretReveal({
  label,
  value,
  hint,
}: {
  label: string;
  value: string;
  /** What to do with it; the "only now" warning is always added. */
  hint?: string;
}) {
  const [copied, setCopied] = useState<'yes' | 'no' | undefined>();
  const id = `secret-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      // Clipboard access can be refused (insecure origin, permissions): the field stays selectable.
      setCopied('no');
    }
  }

  return (
    <div className="secret" role="region" aria-label={label}>
      <label htmlFor={id}>{label}</label>
      <div className="secret-row">
        <input
          id={id}
          readOnly
          value={value}
          spellCheck={false}
          autoComplete="off"
          onFocus={(event) => event.currentTarget.select()}
          aria-describedby={`${id}-hint`}
        />
        <button type="button" onClick={copy}>
          Copy
        </button>
      </div>
      <p id={`${id}-hint`} className="field-hint">
        {hint ? `${hint} ` : ''}
        Copy it now: it is shown only this once.
        {copied === 'yes' && ' Copied to the clipboard.'}
        {copied === 'no' && ' The browser refused clipboard access; select the text and copy it.'}
      </p>
    </div>
  );
}
