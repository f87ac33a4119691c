// Settings an Ecosystem or Domain can set for everything below it (DESIGN §5: build settings are
// inherited down the hierarchy). The later original `dvm` had the same idea (hierarchical theme and
// build args). Builds act on `build` (lib/build/resolve-settings.ts); the rest is stored and
// round-trips.
import { z } from 'zod';

import { envMap, imageReference, pluginName } from './field-types';

export const inheritedSettingsShape = {
  /** Neovim/terminal colour theme by name. */
  theme: pluginName.optional(),
  /**
   * For every image build below: build arguments (merged per key, the lower level wins) and the
   * base image for apps that bring no Dockerfile and workspaces that name no `image.baseImage`.
   */
  build: z
    .strictObject({ args: envMap.optional(), baseImage: imageReference.optional() })
    .optional(),
  /** Environment variables for every workspace below. */
  env: envMap.optional(),
};
