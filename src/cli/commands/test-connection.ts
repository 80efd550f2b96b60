// Placeholder: the issue that builds this command replaces the file.
import type { Command } from 'commander';
import type { Context } from '../context.js';
import type { ExitSink } from '../program.js';

export function registerTestConnection(_program: Command, _ctx: Context, _sink: ExitSink): void {}
