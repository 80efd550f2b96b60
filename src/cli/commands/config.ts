// byok config show|get|set|unset|path
import type { IntegrityInfo } from '../../store/config-store.js';
import type { Command } from 'commander';
import { GEOGRAPHIES, isGeography, type ConfigDoc, type Workspace } from '../../core/config-doc.js';
import { UsageError } from '../../core/errors.js';
import { checkRegion } from '../../core/geography.js';
import { PLAN_LABELS } from '../../core/plans.js';
import type { Context } from '../context.js';
import { emit, mark, table, type Output } from '../output.js';
import { credentialsJson } from '../render/credentials.js';
import { apiKeySummary, providerOf } from '../../app/api-keys.js';
import { sessionTokenExpiresAt, sessionTokenExpiresAtText } from '../../core/credentials.js';
import { parseRegion, pickWorkspace, printable, requireAccess, requireOwner } from './shared.js';

export const CONFIG_KEYS = ['geography', 'region', 'enabled'] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];
const READ_KEYS = [...CONFIG_KEYS, 'policy', 'locked', 'plan', 'owner', 'workspace', 'session_token_expires_at'] as const;

function parseKey(raw: string, keys: readonly string[]): string {
  const k = raw.trim().toLowerCase();
  if (!keys.includes(k)) throw new UsageError('unknown-config-key', `Unknown setting "${printable(raw)}".`, `Settings: ${keys.join(', ')}. The fallback policy has its own command: byok policy set allow|warn|strict`);
  return k;
}

function regionRefusal(geography: string, region: string): UsageError | null {
  if (!isGeography(geography)) return null;
  const r = checkRegion(geography, region);
  if (r.ok) return null;
  return new UsageError(r.error.code, r.error.reason, r.error.hint);
}

export function valueOf(ws: Workspace, key: string): string | boolean | null {
  switch (key) {
    case 'geography': return ws.geography ?? null;
    case 'region': return ws.region ?? null;
    case 'enabled': return ws.byokEnabled;
    case 'policy': return ws.policy;
    case 'locked': return ws.policyLocked;
    case 'plan': return ws.plan;
    case 'owner': return ws.owner;
    case 'workspace': return ws.name;
    case 'session_token_expires_at': return sessionTokenExpiresAt(ws);
    default: return null;
  }
}

export async function runConfigSet(rawKey: string, rawValue: string, ctx: Context): Promise<Output> {
  const key = parseKey(rawKey, CONFIG_KEYS) as ConfigKey;
  const value = rawValue.trim();
  const notes: string[] = [];
  const { doc, result } = await ctx.store().update((doc, tx) => {
    const ws = pickWorkspace(ctx, doc);
    requireOwner(ctx, ws, `change ${key}`);
    const before = valueOf(ws, key);
    if (key === 'geography') {
      const g = value.toLowerCase();
      if (!isGeography(g)) throw new UsageError('invalid-geography', `"${printable(value)}" is not a geography.`, `Use one of: ${GEOGRAPHIES.join(', ')}.`);
      if (ws.region) {
        const refusal = regionRefusal(g, ws.region);
        if (refusal) throw new UsageError('region-outside-geography', `The workspace's region ${ws.region} is outside the ${g} geography, so switching would route outside it.`, `First run: byok config unset region; then byok config set geography ${g}; then byok config set region REGION. ${refusal.hint ?? ''}`.trim());
      }
      ws.geography = g;
    } else if (key === 'region') {
      const r = parseRegion(value);
      if (!ws.geography) throw new UsageError('geography-not-set', 'Set the geography before the region, so byok can check the region keeps inference inside it.', `Run: byok config set geography ${GEOGRAPHIES.join('|')}`);
      const check = checkRegion(ws.geography, r);
      if (!check.ok) throw new UsageError(check.error.code, check.error.reason, check.error.hint);
      notes.push(...check.value.notes);
      // The key's IAM policy was written for the route byok provisioned it on: a new route needs a
      // new policy, or AWS refuses it (fail closed) — said here, not found later (attack review 4).
      const iamUser = ws.credentials?.iamUserName;
      if (iamUser !== undefined && before !== r) notes.push(`The workspace's key belongs to IAM user ${iamUser}, whose policy byok wrote for the previous route: AWS will refuse the new one until it is rewritten. Run: byok iam put-policy --workspace ${ws.name}`);
      ws.region = r;
    } else {
      const v = value.toLowerCase();
      if (!['true', 'false', 'on', 'off', 'yes', 'no'].includes(v)) throw new UsageError('invalid-boolean', `"${printable(value)}" is not true or false.`, 'Use: byok config set enabled true|false');
      ws.byokEnabled = v === 'true' || v === 'on' || v === 'yes';
    }
    const after = valueOf(ws, key);
    if (before !== after) tx.audit({ type: 'config-changed', user: ctx.user, workspace: ws.name, details: { key, from: before, to: after } });
    delete ws.lastConnectionTest;
    return { workspace: ws.name, key, value: after, previous: before };
  });
  void doc;
  return { json: result, status: [mark.ok(ctx, `${result.workspace}: ${key} = ${String(result.value)}`), ...notes.map((n) => mark.warn(ctx, n))] };
}

export async function runConfigUnset(rawKey: string, ctx: Context): Promise<Output> {
  const key = parseKey(rawKey, ['geography', 'region']) as 'geography' | 'region';
  const { result } = await ctx.store().update((doc, tx) => {
    const ws = pickWorkspace(ctx, doc);
    requireOwner(ctx, ws, `change ${key}`);
    if (key === 'geography' && ws.region) throw new UsageError('region-still-set', 'Unset the region before the geography.', 'Run: byok config unset region');
    const before = valueOf(ws, key);
    delete ws[key];
    if (before !== null) tx.audit({ type: 'config-changed', user: ctx.user, workspace: ws.name, details: { key, from: before, to: null } });
    return { workspace: ws.name, key, value: null, previous: before };
  });
  return { json: result, status: [mark.ok(ctx, `${result.workspace}: ${key} unset`)] };
}

export async function runConfigGet(rawKey: string, ctx: Context): Promise<Output> {
  const key = parseKey(rawKey, READ_KEYS);
  const { doc } = await ctx.store().read();
  const ws = pickWorkspace(ctx, doc);
  requireAccess(ctx, ws);
  const value = valueOf(ws, key);
  return { json: { workspace: ws.name, key, value }, lines: [value === null ? '' : String(value)] };
}

export function configShowJson(ws: Workspace, doc: ConfigDoc, ctx: Context, key: { source: string; detail: string; warning?: string } | null, integrity: IntegrityInfo | null = null) {
  const role = requireAccess(ctx, ws);
  return {
    workspace: ws.name,
    role,
    plan: ws.plan,
    owner: ws.owner,
    members: ws.members,
    byokEnabled: ws.byokEnabled,
    geography: ws.geography ?? null,
    region: ws.region ?? null,
    policy: ws.policy,
    locked: ws.policyLocked,
    confirmationRequired: ws.confirmationRequired ?? null,
    credentials: { ...credentialsJson(ws.credentials, ctx.now()), ...(ws.credentials ? { session_token_expires_at: sessionTokenExpiresAt(ws) } : {}), inheritedFrom: role === 'member' ? ws.owner : null },
    session_token_expires_at: sessionTokenExpiresAt(ws),
    /** iam (SigV4 with the credentials above) or bedrock-api-key (issue 14). */
    provider: providerOf(ws),
    /** The Bedrock API key: kind, region, expiry, the key masked to its kind. */
    apiKey: apiKeySummary(ws),
    lastConnectionTest: ws.lastConnectionTest ?? null,
    configPath: ctx.store().path,
    encryption: key ? { algorithm: 'aes-256-gcm', keySource: key.source, detail: key.detail, warning: key.warning ?? null } : null,
    platform: doc.platform ? { regions: doc.platform.regions } : null,
    integrity,
  };
}

export async function runConfigShow(ctx: Context): Promise<Output> {
  const { doc, key, integrity } = await ctx.store().read();
  const ws = pickWorkspace(ctx, doc);
  const j = configShowJson(ws, doc, ctx, key, integrity);
  const c = j.credentials;
  return {
    json: j,
    lines: table([
      ['workspace', `${ws.name} (${PLAN_LABELS[ws.plan]}, owner ${ws.owner}, you are ${j.role})`],
      ['byok enabled', String(ws.byokEnabled)],
      ['geography', j.geography ?? '(not set: byok config set geography global|us|eu|apac)'],
      ['region', j.region ?? '(not set: byok config set region REGION)'],
      ['fallback policy', `${ws.policy}${ws.policyLocked ? ' (locked by admin)' : ''}${ws.confirmationRequired ? ' — re-confirmation required: byok policy confirm' : ''}`],
      ['credentials', c.configured ? `${c.accessKeyId} (${c.kind}, from ${c.source}${c.inheritedFrom ? `, inherited from owner ${c.inheritedFrom}` : ''})` : '(not configured)'],
      ['session_token_expires_at', sessionTokenExpiresAtText(ws)],
      ['provider', j.provider === 'iam' ? 'AWS IAM credentials (SigV4)' : 'Bedrock API key'],
      ...(j.apiKey ? [['bedrock api key', `${j.apiKey.kind}${j.apiKey.minted ? ', minted by byok from the IAM credentials' : `, ${j.apiKey.key}, from ${j.apiKey.source}`}; region ${j.apiKey.region ?? '(any: long-term keys are not bound to one)'}; expires ${j.apiKey.expiresAt ?? (j.apiKey.minted ? '(none minted yet)' : '(never)')}`] as [string, string]] : []),
      ['last connection test', ws.lastConnectionTest ? `${ws.lastConnectionTest.ok ? 'passed' : 'FAILED'} at ${ws.lastConnectionTest.at}` : '(never)'],
      ['config file', j.configPath],
      ['encryption', key ? `AES-256-GCM, key from ${key.source} (${key.detail})` : '(no config written yet)'],
      ['state anchor', integrity ? (integrity.anchor ?? '(none: an older config and log put back together go unnoticed; set BYOK_STATE_ANCHOR)') : '(no config written yet)'],
      ...(integrity ? [['detects', integrity.detected.join('; ')] as [string, string], ['does not detect', integrity.notDetected.join('; ')] as [string, string]] : []),
    ]),
    // The key-file warning is said once per config (by the store); the rows above show what the key source protects against.
    status: [],
  };
}

export function registerConfig(program: Command, ctx: Context): void {
  const cmd = program.command('config').description('show and change workspace settings');
  cmd.command('show').description('show the workspace configuration (secrets masked)').action(async () => emit(ctx, await runConfigShow(ctx)));
  cmd.command('get').description(`print one setting: ${READ_KEYS.join(', ')}`).argument('<key>').action(async (k: string) => emit(ctx, await runConfigGet(k, ctx)));
  cmd.command('set').description(`change a setting (owner only): ${CONFIG_KEYS.join(', ')}`).argument('<key>').argument('<value>').action(async (k: string, v: string) => emit(ctx, await runConfigSet(k, v, ctx)));
  cmd.command('unset').description('clear geography or region (owner only)').argument('<key>').action(async (k: string) => emit(ctx, await runConfigUnset(k, ctx)));
  cmd.command('path').description('print the config file path').action(async () => {
    const store = ctx.store();
    return emit(ctx, { json: { configDir: store.configDir, configPath: store.path, auditPath: store.auditPath, exists: store.exists() }, lines: [store.path] });
  });
}
