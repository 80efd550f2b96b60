// byok iam create-api-key | list-api-keys | revoke-api-key: long-term Bedrock API keys, which are
// IAM service-specific credentials for bedrock.amazonaws.com (issue 14). The workflow is
// src/app/api-keys.ts; this file parses and renders. The one-time secret is never printed: it is
// sealed in the workspace before anything else can fail.
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { emit, mark, table, type Output } from '../output.js';
import { UsageError } from '../../core/errors.js';
import { printable } from './shared.js';

/** "30d" or "30" → days (IAM's CredentialAgeDays, 1..36600). */
export function parseExpiresIn(raw: string): number {
  const m = /^\s*(\d{1,5})\s*d?\s*$/i.exec(raw);
  const n = m ? Number(m[1]) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 36600) throw new UsageError('invalid-expires-in', `"${printable(raw, 20)}" is not a lifetime in days.`, 'Pass --expires-in 30d: 1 to 36600 days (IAM\'s limit). Without it the key never expires, which AWS advises against.');
  return n;
}

async function runCreate(o: { userName?: string; expiresIn?: string; profile?: string; adoptExistingUser?: boolean }, ctx: Context): Promise<Output> {
  const days = o.expiresIn !== undefined ? parseExpiresIn(o.expiresIn) : undefined;
  const { createApiKey } = await import('../../app/api-keys.js');
  const r = await createApiKey(ctx, { userName: o.userName, expiresInDays: days, profile: o.profile, adoptExistingUser: o.adoptExistingUser });
  return {
    json: r,
    status: [
      mark.ok(ctx, `Created long-term Bedrock API key ${r.keyId} for IAM user ${r.userName} and stored it encrypted in workspace ${r.workspace} (it is never shown).${r.expiresAt ? ` It expires at ${r.expiresAt}.` : ' It never expires.'}`),
      mark.warn(ctx, r.warning),
      '  Next: byok test-connection',
    ],
  };
}

async function runList(o: { userName?: string; profile?: string }, ctx: Context): Promise<Output> {
  const { listApiKeys } = await import('../../app/api-keys.js');
  const r = await listApiKeys(ctx, o);
  return {
    json: r,
    lines: r.keys.length === 0
      ? [`IAM user ${r.userName} has no Bedrock API keys.`]
      : table([['key id', 'status / created / expires'], ...r.keys.map((k): [string, string] => [k.id, `${k.status}, created ${k.createdAt}, ${k.expiresAt ? `expires ${k.expiresAt}` : 'never expires'}${k.inWorkspace ? ` — in use by workspace ${r.workspace}` : ''}`])]),
  };
}

async function runRevoke(o: { keyId?: string; userName?: string; profile?: string }, ctx: Context): Promise<Output> {
  if (o.keyId === undefined) throw new UsageError('missing-key-id', 'Which key? --key-id is required.', 'List them: byok iam list-api-keys');
  const { revokeApiKey } = await import('../../app/api-keys.js');
  const r = await revokeApiKey(ctx, { keyId: o.keyId, userName: o.userName, profile: o.profile });
  return {
    json: r,
    status: [mark.ok(ctx, `Deleted Bedrock API key ${r.keyId} of IAM user ${r.userName}: Bedrock refuses it from now on.${r.wasWorkspaceKey ? ` It was workspace ${r.workspace}'s key; the workspace no longer uses one (store another, or byok credentials set --short-term-api-keys).` : ''}`)],
  };
}

/** Adds the API key commands to the `byok iam` group (program.ts loads this file with iam.ts). */
export function registerIamApiKeys(iam: Command, ctx: Context): void {
  const run = <O>(f: (o: O, c: Context) => Promise<Output>) => async (o: O) => emit(ctx, await f(o, ctx));
  const common = (c: Command) => c.option('--user-name <name>', "IAM user the key belongs to (default: the workspace's IAM user, else byok-bedrock)").option('--profile <name>', 'AWS profile with IAM admin permissions (default: the AWS credential chain)');
  common(iam.command('create-api-key').description('create a long-term Bedrock API key (IAM service-specific credential) and store it encrypted in the workspace; AWS recommends these for exploration only').option('--expires-in <days>', 'lifetime, e.g. 30d (1-36600 days); without it the key never expires').option('--adopt-existing-user', 'use an IAM user byok made for another workspace')).action(run(runCreate));
  common(iam.command('list-api-keys').description("list the IAM user's Bedrock API keys (IDs, status, expiry; never the keys)")).action(run(runList));
  common(iam.command('revoke-api-key').description('delete a Bedrock API key in IAM (and from the workspace if it is its key)').option('--key-id <id>', 'the key ID from list-api-keys')).action(run(runRevoke));
}
