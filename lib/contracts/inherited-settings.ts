// Settings an Ecosystem or Domain can set for everything below it (DESIGN §5: build settings are
// inherited down the hierarchy). The later original `dvm` had the same idea (hierarchical theme and
// build args); nothing acts on these yet, they are stored and round-trip.
import { z } from 'zod';

import { envMap, pluginName } from './field-types';

export const inheritedSettingsShape = {
  /** Neovim/terminal colour theme by name. */
  theme: pluginName.optional(),
  /** Build arguments passed to every image build below. */
  build: z.strictObject({ args: envMap.optional() }).optional(),
  /** Environment variables for every workspace below. */
  env: envMap.optional(),
};
