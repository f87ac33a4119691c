'use client';

// A freshly issued join token, shown this once, with the agent command that uses it.

import { SecretReveal } from '@/components/secret-reveal';
import { Time } from '@/components/time';
import type { JoinTokenState } from './actions';
import { ADVERTISE_PLACEHOLDER } from './join-command-text';

export function JoinTokenReveal({ issued }: { issued: NonNullable<JoinTokenState['issued']> }) {
  return (
    <div className="join-token" data-testid="join-token">
      <SecretReveal
        label={`Join token for ${issued.host}`}
        value={issued.token}
        hint="It works once."
      />
      <SecretReveal
        label={`Command to run on ${issued.host}`}
        value={issued.command}
        hint={
          issued.command.includes(ADVERTISE_PLACEHOLDER)
            ? `Replace ${ADVERTISE_PLACEHOLDER} with the host:port where this control plane can reach the agent.`
            : 'Add --listen, --allowed-roots and TLS flags as the README describes.'
        }
      />
      <p className="field-hint">
        The token expires at <Time value={new Date(issued.expiresAt)} precise />; issue a new one
        from the host&apos;s row if it runs out before the agent joins.
      </p>
    </div>
  );
}
