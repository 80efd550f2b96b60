// Provisioning's progress (app/provision.ts hooks) on stderr: one line per step as it completes,
// and any wait in between. Not under --json: there the steps are in the one document.
import type { ProvisionHooks, Step } from '../../app/provision.js';
import type { Context } from '../context.js';
import { mark } from '../output.js';

export function stepPrinter(ctx: Context): ProvisionHooks {
  return {
    onStep(step: Step) {
      const line = `${step.step.padEnd(16)} ${step.state.padEnd(9)} ${step.detail}`;
      if (!ctx.flags.json) ctx.io.stderr.write(`${step.state === 'failed' ? mark.fail(ctx, line) : mark.ok(ctx, line)}\n`);
    },
    onProgress(message: string) {
      if (!ctx.flags.json) ctx.io.stderr.write(`  … ${message}\n`);
    },
  };
}
