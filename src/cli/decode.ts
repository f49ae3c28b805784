import type { Command } from 'commander';

export function registerDecodeCommand(_program: Command): void {}
