// The Ecosystem spec: the top of the hierarchy, a platform or organisation boundary.
import { z } from 'zod';

import { inheritedSettingsShape } from './inherited-settings';

export const ecosystemSpecSchema = z.strictObject({
  /**
   * Printed by the original `dvm get -o yaml` (always empty) and ignored on apply. The domains of an
   * ecosystem are the Domain objects under it; this list is only stored so such output applies.
   */
  domains: z.array(z.string()).optional(),
  ...inheritedSettingsShape,
});

export type EcosystemSpec = z.output<typeof ecosystemSpecSchema>;
