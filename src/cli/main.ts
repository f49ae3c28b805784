#!/usr/bin/env node
// Entry point of the `dhcpf` command: one subcommand per module in this folder.

import { Command } from 'commander';
import { registerDecodeCommand } from './decode.js';
import { registerServeCommand } from './serve.js';
import { registerDemoCommand } from './demo.js';
import { registerLeasesCommand } from './leases.js';
import { registerModelCheckCommand } from './model-check.js';
import { registerDiagramCommand } from './diagram.js';
import { registerInspectCommand } from './inspect.js';
import { registerStatusCommand } from './status.js';
import { registerControlCommand } from './control.js';
import { registerConfigCheckCommand } from './config-check.js';
import { registerImportCommand } from './import.js';

const program = new Command();
program
  .name('dhcpf')
  .description('DHCP failover peer (draft-ietf-dhc-failover-12, with the MS-DHCPF profile)');

registerDemoCommand(program);
registerServeCommand(program);
registerDecodeCommand(program);
registerLeasesCommand(program);
registerModelCheckCommand(program);
registerDiagramCommand(program);
registerInspectCommand(program);
registerStatusCommand(program);
registerControlCommand(program);
registerConfigCheckCommand(program);
registerImportCommand(program);

await program.parseAsync(process.argv);
