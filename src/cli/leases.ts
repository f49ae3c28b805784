import type { Command } from 'commander';

export function registerLeasesCommand(_program: Command): void {}
