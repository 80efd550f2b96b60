// Helpers every command group uses: finding the workspace, who may change it, option parsing.
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../../core/errors.js';
import { workspaceNamed, type ConfigDoc, type Workspace } from '../../core/config-doc.js';
import { checkRegionName } from '../../core/regions.js';
import { didYouMean } from '../../core/suggest.js';
import type { Context } from '../context.js';
import { printable } from '../../core/text.js';

export { pickWorkspace, printable, requireAccess, requireOwner, roleOf, type Role } from '../../core/access.js';

export function choiceParser<T extends string>(name: string, values: readonly T[]): (v: string) => T {
  return (v: string) => {
    const norm = v.trim().toLowerCase();
    if ((values as readonly string[]).includes(norm)) return norm as T;
    throw new InvalidArgumentError(`"${printable(v)}" is not a valid ${name}.${didYouMean(norm, values)} Use one of: ${values.join(', ')}.`);
  };
}

/** Every region a user types goes through this one check (exit 2, the closest real region suggested). */
export function parseRegion(raw: string): string {
  const r = checkRegionName(raw, printable(raw.trim(), 32));
  if (!r.ok) throw new UsageError(r.error.code, r.error.reason, r.error.hint);
  return r.value;
}

export function intParser(name: string, min: number, max: number): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`${name} must be a whole number between ${min} and ${max}.`);
    const n = Number(v.trim());
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}.`);
    return n;
  };
}

export function isoNow(ctx: Context): string {
  return ctx.now().toISOString();
}

/**
 * The platform's own credentials are the fallback target of every workspace in this config: only
 * someone who owns a workspace here may set or remove them (anyone, before the first workspace).
 */
export function requirePlatformAdmin(ctx: Context, doc: ConfigDoc, what: string): void {
  const owners = [...new Set(Object.values(doc.workspaces).map((w) => w.owner))];
  if (owners.length === 0 || owners.includes(ctx.user)) return;
  throw new UsageError('platform-admin-only', `Only a workspace owner can ${what}; ${ctx.user} owns no workspace in this configuration.`, `Ask one of: ${owners.join(', ')}.`);
}
