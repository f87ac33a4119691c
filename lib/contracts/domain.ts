// The Domain spec: a bounded context inside an ecosystem.
import { z } from 'zod';

import { inheritedSettingsShape } from './inherited-settings';

export const domainSpecSchema = z.strictObject({
  /**
   * Printed by the original `dvm get -o yaml` (always empty) and ignored on apply. The apps of a
   * domain are the App objects under it; this list is only stored so such output applies.
   */
  apps: z.array(z.string()).optional(),
  ...inheritedSettingsShape,
});

export type DomainSpec = z.output<typeof domainSpecSchema>;
