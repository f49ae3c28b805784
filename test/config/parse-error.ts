// The ConfigError a rejected configuration raises, for the tests of the configuration parser.

import { parseRelationshipConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

/** Parses `config` and returns the ConfigError it raises. Throws when the config is accepted. */
export function parseError(config: unknown): ConfigError {
  try {
    parseRelationshipConfig(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }

    throw error;
  }

  throw new Error('config was accepted');
}
