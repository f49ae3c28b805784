// Picks the link of the configured role.

import { FailoverLink, type LinkOptions } from './link.js';
import { PrimaryLink } from './primary-link.js';
import { SecondaryLink } from './secondary-link.js';

export function createLink(options: LinkOptions): FailoverLink {
  return options.config.role === 'primary' ? new PrimaryLink(options) : new SecondaryLink(options);
}
