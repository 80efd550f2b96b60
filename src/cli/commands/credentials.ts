// byok credentials set|show|remove. Secrets arrive on stdin, from a prompt, or from the standard
// AWS environment variables — never as a flag value (argv is visible to every user, DESIGN §2).
import type { Command } from 'commander';
import { credentialsJson } from '../render/credentials.js';
import type { ConfigDoc, StoredCredentials } from '../../core/config-doc.js';
import { EXIT, UsageError } from '../../core/errors.js';
import { expiryStatus, mask, parseAccessKeyId, parseSecretAccessKey, validateCredentials, sessionTokenExpiresAt, sessionTokenExpiresAtText, type CredentialProblem, type ValidCredentials } from '../../core/credentials.js';
import type { Context } from '../context.js';
import { readAllStdin } from '../io.js';
import { emit, mark, table, type Output } from '../output.js';
import { parseRegion, pickWorkspace, requireAccess, requireOwner, requirePlatformAdmin } from './shared.js';
import type { AuditEventInput } from '../../core/audit-event.js';

export interface CredentialsSetOptions {
  accessKeyId?: string;
  secretAccessKeyStdin?: boolean;
  sessionTokenStdin?: boolean;
  expiresAt?: string;
  fromEnv?: boolean;
  /** credentials import: a profile in the AWS shared config. */
  profile?: string;
  platform?: boolean;
  regions?: string;
  /** A Bedrock API key on stdin (issue 14), long-term (ABSK…) or short-term (bedrock-api-key-…). */
  bedrockApiKeyStdin?: boolean;
  /** byok mints short-term Bedrock API keys from the workspace's IAM credentials. */
  shortTermApiKeys?: boolean;
}

/** The Bedrock API key provider: a key the admin has, or keys byok mints. Never echoed. */
async function runApiKeySet(o: CredentialsSetOptions, ctx: Context): Promise<Output> {
  const others = o.accessKeyId !== undefined || o.secretAccessKeyStdin || o.sessionTokenStdin || o.fromEnv || o.profile !== undefined || o.platform;
  if (others || (o.bedrockApiKeyStdin && o.shortTermApiKeys)) {
    throw new UsageError('conflicting-flags', '--bedrock-api-key-stdin and --short-term-api-keys each stand alone (not with IAM key flags, --platform or each other).', 'Store IAM credentials with one command, then choose the API key provider with another.');
  }
  const { storeApiKey, useShortTermKeys } = await import('../../app/api-keys.js');
  let r;
  if (o.shortTermApiKeys) {
    if (o.expiresAt !== undefined) throw new UsageError('expiry-with-short-term-keys', 'byok sets the expiry of the keys it mints (at most 12 hours, and never past the IAM session).', 'Drop --expires-at.');
    r = await useShortTermKeys(ctx);
  } else {
    {
      const { doc } = await ctx.store().read();
      requireOwner(ctx, pickWorkspace(ctx, doc), 'change BYOK credentials');
    }
    let key: string;
    let source: 'stdin' | 'prompt' = 'stdin';
    if (ctx.io.stdinIsTTY && ctx.canPrompt()) {
      key = await (await ctx.prompter()).password('Bedrock API key:', { flag: '--bedrock-api-key-stdin' });
      source = 'prompt';
    } else {
      const lines = (await readAllStdin(ctx.io.stdin)).split(/\r?\n/).filter((l) => l.trim() !== '');
      if (lines.length > 1) throw new UsageError('unexpected-stdin', 'stdin has more than one line; --bedrock-api-key-stdin reads one key on one line.', 'Send the key alone on stdin.');
      key = lines[0] ?? '';
    }
    r = await storeApiKey(ctx, { key, expiresAt: o.expiresAt, source });
  }
  const a = r.summary;
  const status = [mark.ok(ctx, a.minted
    ? `Workspace ${r.workspace} now calls Bedrock with short-term API keys byok mints from its IAM credentials in ${a.region} (first one valid until ${a.expiresAt}; renewed 5 minutes before expiry, sealed in the config).`
    : `Stored a ${a.kind} Bedrock API key (${a.key}) for workspace ${r.workspace} (encrypted).${a.expiresAt ? ` It expires at ${a.expiresAt}.` : ' It has no expiry date.'}`)];
  if (r.warning) status.push(mark.warn(ctx, r.warning));
  status.push('  Next: byok test-connection');
  return { json: { workspace: r.workspace, provider: 'bedrock-api-key', apiKey: a, warning: r.warning }, status };
}

function problemToError(p: CredentialProblem): UsageError {
  return new UsageError(`invalid-${p.field}`, p.message, p.hint);
}

/** Gathers the three values from stdin, the environment or prompts, in that order of flags. */
async function gatherCredentials(o: CredentialsSetOptions, ctx: Context): Promise<{ input: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiresAt?: string }; source: StoredCredentials['source'] }> {
  if (o.profile !== undefined) {
    if (o.secretAccessKeyStdin || o.sessionTokenStdin || o.fromEnv || o.accessKeyId !== undefined) throw new UsageError('conflicting-flags', '--profile cannot be combined with other credential sources.', 'Use one source: --profile NAME alone.');
    const { profileCredentials } = await import('../../app/credentials.js');
    const c = await profileCredentials(ctx, o.profile.trim());
    return { input: { ...c, expiresAt: c.expiresAt ?? o.expiresAt }, source: 'profile' };
  }
  if (o.fromEnv) {
    if (o.secretAccessKeyStdin || o.sessionTokenStdin) throw new UsageError('conflicting-flags', '--from-env cannot be combined with --secret-access-key-stdin or --session-token-stdin.', 'Use one source for the secret.');
    const id = ctx.env.AWS_ACCESS_KEY_ID;
    const secret = ctx.env.AWS_SECRET_ACCESS_KEY;
    if (!id || !secret) throw new UsageError('missing-env-credentials', '--from-env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment.', 'Export both (and AWS_SESSION_TOKEN with AWS_CREDENTIAL_EXPIRATION for ASIA keys), or use --secret-access-key-stdin.');
    return {
      input: { accessKeyId: o.accessKeyId ?? id, secretAccessKey: secret, sessionToken: ctx.env.AWS_SESSION_TOKEN || undefined, expiresAt: o.expiresAt ?? (ctx.env.AWS_CREDENTIAL_EXPIRATION || undefined) },
      source: 'environment',
    };
  }
  let accessKeyId = o.accessKeyId;
  const prompter = await ctx.prompter();
  if (accessKeyId === undefined) {
    accessKeyId = await prompter.input('AWS access key ID (AKIA… or ASIA…):', {
      flag: '--access-key-id ID (or --from-env)',
      validate: (v) => {
        const r = parseAccessKeyId(v);
        return r.ok ? true : r.error.message;
      },
    });
  }
  const id = parseAccessKeyId(accessKeyId);
  if (!id.ok) throw problemToError(id.error);
  if (o.sessionTokenStdin && !o.secretAccessKeyStdin) {
    throw new UsageError('session-token-stdin-needs-secret', '--session-token-stdin reads the line after the secret, so it needs --secret-access-key-stdin too.', 'Send "SECRET\\nTOKEN" on stdin with both flags.');
  }
  let secretAccessKey: string;
  let sessionToken: string | undefined;
  let source: StoredCredentials['source'] = 'prompt';
  if (o.secretAccessKeyStdin) {
    if (ctx.io.stdinIsTTY && ctx.canPrompt()) {
      secretAccessKey = await prompter.password('AWS secret access key:', { flag: '--secret-access-key-stdin' });
      if (o.sessionTokenStdin) sessionToken = await prompter.password('AWS session token:', { flag: '--session-token-stdin' });
    } else {
      const text = await readAllStdin(ctx.io.stdin);
      const lines = text.split(/\r?\n/).filter((l, i, all) => !(i === all.length - 1 && l === ''));
      secretAccessKey = lines[0] ?? '';
      if (o.sessionTokenStdin) {
        sessionToken = lines[1];
        if (sessionToken === undefined || sessionToken.trim() === '') {
          throw new UsageError('missing-session-token', 'No session token on stdin: --session-token-stdin expects it on the line after the secret access key.', 'Send "SECRET\\nTOKEN" on stdin.');
        }
      } else if (lines.length > 1 && lines.slice(1).some((l) => l.trim() !== '')) {
        throw new UsageError('unexpected-stdin', 'stdin has more than one line, but only --secret-access-key-stdin was given.', 'For an ASIA key add --session-token-stdin (the token goes on the second line) and --expires-at.');
      }
      source = 'stdin';
    }
  } else {
    secretAccessKey = await prompter.password('AWS secret access key:', {
      flag: '--secret-access-key-stdin (the secret on stdin) or --from-env',
      validate: (v) => {
        const r = parseSecretAccessKey(v);
        return r.ok ? true : r.error.message;
      },
    });
    if (id.value.kind === 'temporary') {
      sessionToken = await prompter.password('AWS session token (ASIA keys need one):', { flag: '--session-token-stdin' });
    }
  }
  let expiresAt = o.expiresAt;
  if (id.value.kind === 'temporary' && expiresAt === undefined) {
    expiresAt = await prompter.input('Session expiry (ISO 8601, e.g. 2026-11-25T18:00:00Z):', { flag: '--expires-at ISO8601' });
  }
  return { input: { accessKeyId: id.value.id, secretAccessKey, sessionToken, expiresAt }, source };
}


function toStored(v: ValidCredentials, source: StoredCredentials['source'], at: string): StoredCredentials {
  const s: StoredCredentials = { accessKeyId: v.accessKeyId, secretAccessKey: v.secretAccessKey, source, storedAt: at };
  if (v.sessionToken !== undefined) s.sessionToken = v.sessionToken;
  if (v.expiresAt !== undefined) s.expiresAt = v.expiresAt;
  return s;
}

function parseRegions(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') {
    throw new UsageError('missing-regions', 'Platform credentials need the regions the platform serves.', 'Pass --regions eu-west-1,us-east-1 (a fallback only ever goes to the original call\'s region).');
  }
  const regions = raw.split(',').map((r) => r.trim()).filter((r) => r !== '').map(parseRegion);
  return [...new Set(regions)];
}

/**
 * The platform credentials are the fallback target of every workspace in this config, so they
 * belong to the user who first set them: only that user replaces or removes them, and no workspace
 * owner can take them over. Before there are any (or for credentials an older byok stored without
 * an owner) the earlier rule applies: a workspace owner, or anyone before the first workspace.
 */
function requirePlatformOwner(ctx: Context, doc: ConfigDoc, what: string): void {
  const owner = doc.platform?.owner;
  if (typeof owner !== 'string' || owner === '') return requirePlatformAdmin(ctx, doc, what);
  if (owner === ctx.user) return;
  throw new UsageError(
    'platform-owner-only',
    `Only ${owner}, who set the platform credentials, can ${what}; ${ctx.user} is not ${owner}.`,
    `The platform credentials are the fallback target of every workspace in this configuration, so no workspace owner can take them over. Ask ${owner}.`,
  );
}

/** A platform change affects every workspace here: each one's audit log records it. */
function auditPlatformChange(ctx: Context, doc: ConfigDoc, tx: { audit(e: AuditEventInput): void }, type: string, details: Record<string, string | null>): void {
  const names = Object.keys(doc.workspaces).sort();
  for (const workspace of names.length > 0 ? names : [null]) tx.audit({ type, user: ctx.user, workspace, details });
}

export async function runCredentialsSet(o: CredentialsSetOptions, ctx: Context): Promise<Output> {
  if (o.bedrockApiKeyStdin || o.shortTermApiKeys) return runApiKeySet(o, ctx);
  // Validate what we can before reading secrets, and check the workspace before touching stdin.
  const regions = o.platform ? parseRegions(o.regions) : undefined;
  {
    const { doc } = await ctx.store().read();
    if (o.platform) requirePlatformOwner(ctx, doc, 'set the platform credentials');
    else requireOwner(ctx, pickWorkspace(ctx, doc), 'change BYOK credentials');
  }
  const { input, source } = await gatherCredentials(o, ctx);
  const valid = validateCredentials(input, ctx.now());
  if (!valid.ok) throw problemToError(valid.error);
  const stored = toStored(valid.value, source, ctx.now().toISOString());
  const { result } = await ctx.store().update((doc, tx) => {
    if (o.platform) {
      requirePlatformOwner(ctx, doc, 'set the platform credentials');
      const previous = doc.platform;
      doc.platform = { credentials: stored, regions: regions!, owner: ctx.user };
      auditPlatformChange(ctx, doc, tx, 'platform-credentials-set', {
        accessKeyId: mask(stored.accessKeyId),
        regions: regions!.join(','),
        owner: ctx.user,
        previousAccessKeyId: previous ? mask(previous.credentials.accessKeyId) : null,
        previousOwner: previous?.owner ?? null,
      });
      return null;
    }
    const ws = pickWorkspace(ctx, doc);
    requireOwner(ctx, ws, 'change BYOK credentials');
    ws.credentials = stored;
    delete ws.session;
    delete ws.lastConnectionTest;
    tx.audit({ type: 'credentials-set', user: ctx.user, workspace: ws.name, details: { accessKeyId: mask(stored.accessKeyId), kind: valid.value.kind, source, expiresAt: stored.expiresAt ?? null } });
    return ws.name;
  });
  const j = credentialsJson(stored, ctx.now());
  const where = result === null ? 'platform credentials' : `workspace ${result}`;
  const status = [mark.ok(ctx, `Stored ${valid.value.kind} credentials ${mask(stored.accessKeyId)} for ${where} (encrypted).`)];
  if (valid.value.kind === 'temporary') status.push(`  Temporary credentials cannot be refreshed; they expire at ${stored.expiresAt}. Reconfigure before then.`);
  else status.push('  Long-term key: byok will use short-lived STS sessions from it and refresh them automatically.');
  if (result !== null) status.push('  Next: byok test-connection');
  return { json: { workspace: result, platform: result === null, regions: regions ?? null, ...(result === null ? { owner: ctx.user } : {}), ...j }, status };
}

export async function runCredentialsShow(o: { platform?: boolean }, ctx: Context): Promise<Output> {
  const { doc } = await ctx.store().read();
  const now = ctx.now();
  if (o.platform) {
    const p = doc.platform;
    const j = credentialsJson(p?.credentials, now);
    const owner = p?.owner ?? null;
    const lines = p
      ? table([
          ['access key', mask(p.credentials.accessKeyId)],
          ['regions', p.regions.join(', ')],
          ['owner', owner ?? '(none recorded: not used for fallbacks until set again with byok credentials set --platform)'],
        ])
      : ['No platform credentials configured.'];
    return { json: { platform: true, regions: p?.regions ?? [], owner, ...j }, lines };
  }
  const ws = pickWorkspace(ctx, doc);
  const role = requireAccess(ctx, ws);
  const j = credentialsJson(ws.credentials, now);
  const inheritedFrom = role === 'member' ? ws.owner : null;
  const lines = ws.credentials
    ? table([
        ['workspace', ws.name],
        ['access key', mask(ws.credentials.accessKeyId)],
        ['kind', j.configured ? j.kind : ''],
        ['source', ws.credentials.source],
        ['stored', ws.credentials.storedAt],
        ['session_token_expires_at', sessionTokenExpiresAtText(ws)],
        ...(inheritedFrom ? ([['inherited from', `${inheritedFrom} (workspace owner)`]] as [string, string][]) : []),
      ])
    : [`No BYOK credentials in workspace ${ws.name}.${role === 'owner' ? ' Set them: byok credentials set --access-key-id ID --secret-access-key-stdin' : ` The owner (${ws.owner}) has not configured BYOK yet.`}`];
  const { apiKeySummary, providerOf } = await import('../../app/api-keys.js');
  const apiKey = apiKeySummary(ws);
  if (apiKey) lines.push(...table([['provider', 'Bedrock API key'], ['api key', `${apiKey.kind}${apiKey.minted ? ' (minted by byok)' : ` ${apiKey.key}`}`], ['api key region', apiKey.region ?? '(any)'], ['api key expires', apiKey.expiresAt ?? (apiKey.minted ? '(none minted yet)' : '(never)')]]));
  return { json: { workspace: ws.name, inheritedFrom, ...j, ...(j.configured ? { session_token_expires_at: sessionTokenExpiresAt(ws) } : {}), provider: providerOf(ws), apiKey }, lines };
}

export async function runCredentialsRemove(o: { platform?: boolean; bedrockApiKey?: boolean }, ctx: Context): Promise<Output> {
  if (o.bedrockApiKey) {
    const { removeApiKey } = await import('../../app/api-keys.js');
    const r = await removeApiKey(ctx);
    return { json: { ...r, provider: 'iam' }, status: [r.removed ? mark.ok(ctx, `Workspace ${r.workspace} no longer uses a Bedrock API key; its IAM credentials (if any) sign calls again. A long-term key still exists in IAM until revoked: byok iam revoke-api-key.`) : mark.warn(ctx, 'No Bedrock API key was stored; nothing changed.')] };
  }
  const { result } = await ctx.store().update((doc, tx) => {
    if (o.platform) {
      requirePlatformOwner(ctx, doc, 'remove the platform credentials');
      const previous = doc.platform;
      delete doc.platform;
      if (previous) auditPlatformChange(ctx, doc, tx, 'platform-credentials-removed', { accessKeyId: mask(previous.credentials.accessKeyId), regions: previous.regions.join(','), owner: previous.owner ?? null });
      return { workspace: null, removed: previous !== undefined };
    }
    const ws = pickWorkspace(ctx, doc);
    requireOwner(ctx, ws, 'remove BYOK credentials');
    const had = ws.credentials !== undefined;
    if (had) tx.audit({ type: 'credentials-removed', user: ctx.user, workspace: ws.name, details: { accessKeyId: mask(ws.credentials!.accessKeyId) } });
    delete ws.credentials;
    delete ws.session;
    delete ws.lastConnectionTest;
    return { workspace: ws.name, removed: had };
  });
  return {
    json: result,
    status: [result.removed ? mark.ok(ctx, `Removed credentials from ${result.workspace ?? 'the platform configuration'}. The IAM key itself still exists in AWS; delete or deactivate it there.`) : mark.warn(ctx, 'No credentials were stored; nothing changed.')],
  };
}

export function registerCredentials(program: Command, ctx: Context): void {
  const cmd = program.command('credentials').description('store, show and remove the BYOK AWS credentials (encrypted)');
  cmd
    .command('set')
    .description('store credentials for the workspace (owner only); the secret comes from stdin, a prompt or the environment')
    .option('--access-key-id <id>', 'AKIA… (long-term) or ASIA… (temporary) access key ID')
    .option('--secret-access-key-stdin', 'read the secret access key from stdin (first line)')
    .option('--session-token-stdin', 'read the session token from stdin (second line); ASIA keys only')
    .option('--expires-at <iso8601>', 'expiry of an ASIA key, e.g. 2026-11-25T18:00:00Z')
    .option('--from-env', 'take AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION')
    .option('--platform', "store the platform's own Bedrock credentials (fallback target) instead of a workspace's")
    .option('--regions <list>', 'with --platform: comma-separated regions the platform serves')
    .option('--bedrock-api-key-stdin', 'use a Bedrock API key instead of SigV4: the key on stdin (long-term ABSK…, or short-term bedrock-api-key-…); --expires-at for a long-term key\'s expiry')
    .option('--short-term-api-keys', 'use short-term Bedrock API keys byok mints from the stored IAM credentials in the workspace region (AWS\'s recommendation for production)')
    .action(async (o: CredentialsSetOptions) => emit(ctx, await runCredentialsSet(o, ctx)));
  cmd
    .command('import')
    .description('store credentials read from a profile in the AWS shared config (owner only; SSO and role profiles give temporary keys)')
    .requiredOption('--profile <name>', 'the AWS profile to read (~/.aws/credentials, ~/.aws/config)')
    .option('--platform', "store them as the platform's own Bedrock credentials instead")
    .option('--regions <list>', 'with --platform: comma-separated regions the platform serves')
    .action(async (o: CredentialsSetOptions) => emit(ctx, await runCredentialsSet(o, ctx)));
  cmd.command('show').description('show the stored credentials, masked').option('--platform', 'show the platform credentials').action(async (o: { platform?: boolean }) => emit(ctx, await runCredentialsShow(o, ctx)));
  registerCredentialsRefresh(cmd, ctx);
  cmd.command('remove').description('remove the stored credentials (owner only)').option('--platform', 'remove the platform credentials').option('--bedrock-api-key', 'stop using the Bedrock API key (back to IAM credentials)').action(async (o: { platform?: boolean; bedrockApiKey?: boolean }) => emit(ctx, await runCredentialsRemove(o, ctx)));
}

// byok credentials refresh: a new STS session for a long-term (AKIA) key now, instead of five
// minutes before the cached one expires. Temporary (ASIA) keys cannot be refreshed (DESIGN §4.1).
export async function runCredentialsRefresh(ctx: Context): Promise<Output> {
  const { credentialsInUse } = await import('../../app/credentials.js');
  const c = await credentialsInUse(ctx, { forceRefresh: true, requestTimeoutMs: 30_000 });
  const { doc } = await ctx.store().read();
  const obtainedAt = doc.workspaces[c.workspace]?.session?.obtainedAt ?? ctx.now().toISOString();
  return {
    json: {
      workspace: c.workspace,
      accessKeyId: c.accessKeyId,
      kind: c.kind,
      source: c.source,
      obtainedAt,
      session_token_expires_at: c.expiresAt,
    },
    lines: table([
      ['workspace', c.workspace],
      ['long-term key', c.accessKeyId],
      ['session obtained', obtainedAt],
      ['session_token_expires_at', c.expiresAt ?? '(none)'],
    ]),
    status: [mark.ok(ctx, `New STS session for ${c.accessKeyId} in ${c.workspace}, valid until ${c.expiresAt} (cached encrypted; refreshed automatically 5 minutes before it expires).`)],
    exitCode: EXIT.ok,
  };
}

/** Adds `refresh` under `byok credentials`. */
export function registerCredentialsRefresh(credentialsCommand: Command, ctx: Context): void {
  credentialsCommand
    .command('refresh')
    .description('get a new STS session for a long-term (AKIA) key now; temporary (ASIA) keys cannot be refreshed')
    .action(async () => emit(ctx, await runCredentialsRefresh(ctx)));
}
