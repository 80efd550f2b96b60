// Claude Code (and plain SDK) settings pinned to a workspace, and the check of a Claude Code
// settings file against it (issue 13, "Exports"). Pure: the caller reads the files.
//
// What Claude Code reads, from its own documentation:
// - "Claude Code on Amazon Bedrock" (https://code.claude.com/docs/en/amazon-bedrock): Bedrock mode
//   is CLAUDE_CODE_USE_BEDROCK=1; AWS_REGION "is a required environment variable. Claude Code does
//   not read from the .aws config file for this setting"; ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION
//   overrides the region of the small/fast (Haiku) model; ANTHROPIC_BEDROCK_BASE_URL overrides the
//   Bedrock endpoint "for custom endpoints or gateways"; credentials come from "the default AWS SDK
//   credential chain" (AWS_PROFILE, ...) or AWS_BEARER_TOKEN_BEDROCK (Bedrock API keys). Section
//   "Pin model versions": ANTHROPIC_DEFAULT_OPUS_MODEL, ANTHROPIC_DEFAULT_SONNET_MODEL and
//   ANTHROPIC_DEFAULT_HAIKU_MODEL take Bedrock model IDs; ANTHROPIC_MODEL sets the primary model;
//   without pins the documented defaults are `us.` profiles (primary us.anthropic.claude-sonnet-4-5-…,
//   small/fast us.anthropic.claude-haiku-4-5-…). (Observed with 2.1.197 from eu-west-1: it derived eu.
//   IDs instead; test/e2e/claude-code-export.test.ts runs the real Claude Code when asked to.)
// - "Model configuration" (https://code.claude.com/docs/en/model-config): "ANTHROPIC_SMALL_FAST_MODEL
//   is deprecated in favor of ANTHROPIC_DEFAULT_HAIKU_MODEL"; the settings file's `model` key and
//   `modelOverrides` (model version → Bedrock ID or ARN) choose models too.
// - "Settings" (https://code.claude.com/docs/en/settings): the `env` object of settings.json is
//   applied to every session; `awsCredentialExport` must print {"Credentials": {"AccessKeyId",
//   "SecretAccessKey", "SessionToken"}} — not the credential_process document `byok
//   credential-process` prints (Version 1, AccessKeyId, ... at the top level), so byok's direct path
//   is an AWS profile with `credential_process`, which the SDK chain Claude Code uses reads.
import { shortTermFacts } from './api-keys.js';
import type { Geography, LiveProfile } from './config-doc.js';
import { err, ok, type Result } from './errors.js';
import { arnRegion, geographyName, isRegionInGeography, isValidRegionName, outsideReason, profileFor } from './geography.js';
import { MODELS } from './models.js';

/** Stands in for the gateway token in an export: byok never prints a secret it did not just mint. */
export const GATEWAY_TOKEN_PLACEHOLDER = 'REPLACE-WITH-TOKEN-FROM-byok-gateway-token-create';

/**
 * Stands in for a Bedrock API key on the direct path of a workspace that uses one (issue 14): byok
 * never prints a key it holds, and credential_process cannot carry one (it hands out SigV4 keys).
 */
export const API_KEY_PLACEHOLDER = 'REPLACE-WITH-A-BEDROCK-API-KEY';

/** The workspace's Bedrock API key provider, when it has one (never the key). */
export interface ApiKeyProvider { kind: 'short-term' | 'long-term'; minted: boolean }

/** The model variables Claude Code reads (see the header), in the order an export writes them. */
export const MODEL_VARS = ['ANTHROPIC_MODEL', 'ANTHROPIC_DEFAULT_OPUS_MODEL', 'ANTHROPIC_DEFAULT_SONNET_MODEL', 'ANTHROPIC_DEFAULT_HAIKU_MODEL', 'ANTHROPIC_SMALL_FAST_MODEL', 'CLAUDE_CODE_SUBAGENT_MODEL'] as const;
/** Variables that name a region Claude Code or the SDKs send requests to. */
export const REGION_VARS = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION'] as const;
/** AWS credentials that must never sit in a settings file in plaintext. */
export const PLAINTEXT_KEY_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN'] as const;

/** Profile prefixes whose destinations stay inside each geography (a superset only for global). */
const PREFIXES_INSIDE: Record<Geography, readonly string[]> = {
  global: ['global', 'us', 'eu', 'apac', 'jp', 'au'],
  us: ['us'],
  eu: ['eu'],
  apac: ['apac', 'jp', 'au'],
};

export interface ExportTarget {
  workspace: string;
  geography: Geography;
  region: string;
  catalog?: readonly LiveProfile[];
  /** The byok gateway's URL; absent: the direct path (credential_process, or a Bedrock API key). */
  gateway?: string;
  /** The workspace calls Bedrock with a Bedrock API key: the direct path is AWS_BEARER_TOKEN_BEDROCK. */
  apiKey?: ApiKeyProvider;
  /**
   * BYOK_CONFIG_DIR as the export runs, when set: the AWS SDK runs credential_process with Claude
   * Code's environment, which need not have it, so the command carries it.
   */
  configDir?: string;
}

/** A shell word, single-quoted where needed (credential_process is split by a shell or shlex). */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface ExportRefusal { code: string; reason: string; hint: string }

export interface PinnedModels {
  /** Profile IDs byok routes, per model; opus is null where the geography has none (APAC). */
  sonnet: string;
  opus: string | null;
}

export interface ClaudeCodeExport {
  /** The settings.json object: only `env`. */
  settings: { env: Record<string, string> };
  /** Plain-SDK variables (`byok export env`): the same, plus what the AWS SDKs and CLI read. */
  shellEnv: Record<string, string>;
  pinned: PinnedModels;
  /** The AWS profile the direct path uses, and its ~/.aws/config section. */
  awsProfile: { name: string; configSection: string } | null;
  /** What the admin must know: the Haiku pin, a missing Opus, where the token goes. */
  notes: string[];
}

/** An http(s) URL with a host and nothing that is not an endpoint (no credentials, query or fragment). */
export function checkGatewayUrl(raw: string): Result<string, ExportRefusal> {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return err({ code: 'invalid-gateway-url', reason: `"${raw.slice(0, 80)}" is not a URL.`, hint: 'Give the URL byok gateway start printed, e.g. --gateway http://127.0.0.1:8787' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return err({ code: 'invalid-gateway-url', reason: `The gateway URL must be http or https, not ${u.protocol.replace(':', '')}.`, hint: 'Give the URL byok gateway start printed, e.g. --gateway http://127.0.0.1:8787' });
  if (u.username || u.password || u.search || u.hash) return err({ code: 'invalid-gateway-url', reason: 'The gateway URL must not carry credentials, a query or a fragment.', hint: 'The token goes in AWS_BEARER_TOKEN_BEDROCK, never in the URL.' });
  return ok(`${u.origin}${u.pathname.replace(/\/+$/, '')}`);
}

export function isLoopbackUrl(raw: string): boolean {
  try {
    const h = new URL(raw).hostname;
    return h === 'localhost' || h === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(h);
  } catch {
    return false;
  }
}

export function awsProfileName(workspace: string): string {
  return `byok-${workspace}`;
}

/** The settings Claude Code needs to stay inside the workspace's geography, or why there are none. */
export function claudeCodeExport(t: ExportTarget): Result<ClaudeCodeExport, ExportRefusal> {
  const sonnet = profileFor(t.geography, 'sonnet', t.region, t.catalog);
  if (!sonnet.ok) return err({ code: sonnet.error.code, reason: sonnet.error.reason, hint: sonnet.error.hint });
  const opus = profileFor(t.geography, 'opus', t.region, t.catalog);
  const pinned: PinnedModels = { sonnet: sonnet.value.profileId, opus: opus.ok ? opus.value.profileId : null };
  const geo = t.geography.toUpperCase();
  const notes: string[] = [
    `Haiku: byok routes only ${MODELS.sonnet.name} and ${MODELS.opus.name}, and Claude Code's documented small/fast default is a us. Haiku profile (US regions). ANTHROPIC_DEFAULT_HAIKU_MODEL (and the older ANTHROPIC_SMALL_FAST_MODEL) are pinned to ${pinned.sonnet}, so background work stays inside ${geo} on a model byok routes.`,
  ];
  if (!pinned.opus) {
    notes.push(`Opus: ${opus.ok ? '' : opus.error.reason} ANTHROPIC_DEFAULT_OPUS_MODEL is pinned to ${pinned.sonnet} instead, so choosing "opus" in Claude Code cannot leave ${geo}.`);
  }
  const env: Record<string, string> = {
    CLAUDE_CODE_USE_BEDROCK: '1',
    AWS_REGION: t.region,
    ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION: t.region,
    ANTHROPIC_MODEL: pinned.sonnet,
    ANTHROPIC_DEFAULT_OPUS_MODEL: pinned.opus ?? pinned.sonnet,
    ANTHROPIC_DEFAULT_SONNET_MODEL: pinned.sonnet,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: pinned.sonnet,
    ANTHROPIC_SMALL_FAST_MODEL: pinned.sonnet,
  };
  const shellEnv: Record<string, string> = { CLAUDE_CODE_USE_BEDROCK: '1', AWS_REGION: t.region, AWS_DEFAULT_REGION: t.region };
  let awsProfile: ClaudeCodeExport['awsProfile'] = null;
  if (t.gateway !== undefined) {
    env.ANTHROPIC_BEDROCK_BASE_URL = t.gateway;
    env.AWS_BEARER_TOKEN_BEDROCK = GATEWAY_TOKEN_PLACEHOLDER;
    shellEnv.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = t.gateway;
    shellEnv.ANTHROPIC_BEDROCK_BASE_URL = t.gateway;
    notes.push(
      `Token: replace ${GATEWAY_TOKEN_PLACEHOLDER} with a gateway token (byok gateway token create --user NAME shows it once; byok never prints it again). It is a secret: keep the settings file readable by you only (chmod 600), or export AWS_BEARER_TOKEN_BEDROCK in your shell instead.`,
    );
  } else if (t.apiKey) {
    // A bearer token cannot come from credential_process (SigV4 only; byok credential-process
    // refuses such a workspace). Claude Code reads a Bedrock API key from AWS_BEARER_TOKEN_BEDROCK
    // (its Amazon Bedrock page); byok never prints the key it holds, so this is a placeholder.
    env.AWS_BEARER_TOKEN_BEDROCK = API_KEY_PLACEHOLDER;
    const where = t.apiKey.kind === 'long-term'
      ? `the workspace's long-term Bedrock API key (ABSK…), as you got it when it was created: byok keeps its copy sealed and never shows it again`
      : `a short-term Bedrock API key for ${t.region}, made from your own IAM credentials with AWS's token generator (@aws/bedrock-token-generator for Node, aws-bedrock-token-generator for Python); it lasts at most 12 hours, and byok never prints the keys it mints`;
    notes.push(
      `Credentials: this workspace calls Bedrock with a Bedrock API key, a bearer token that credential_process cannot hand out. Replace ${API_KEY_PLACEHOLDER} with ${where}. It is a secret: keep the settings file readable by you only (chmod 600), or export AWS_BEARER_TOKEN_BEDROCK in your shell instead. Recommended: byok export claude-code --gateway URL, where byok keeps${t.apiKey.minted ? ', mints and renews' : ''} the key and Claude Code gets a gateway token.`,
    );
  } else {
    const name = awsProfileName(t.workspace);
    // ~/.aws/config is read line by line, and the AWS SDKs cut a value at " #" or " ;": a directory
    // holding a line break, a control character, # or ; cannot be carried on the line (a line break
    // would start a line of its own, e.g. a second credential_process). It is left out, and said.
    const carried = t.configDir !== undefined && t.configDir !== '' && !/[\u0000-\u001f\u007f#;]/.test(t.configDir);
    const dir = carried ? `env BYOK_CONFIG_DIR=${shellWord(t.configDir!)} ` : '';
    if (t.configDir !== undefined && t.configDir !== '' && !carried) notes.push(`BYOK_CONFIG_DIR holds a character ~/.aws/config cannot carry on the credential_process line (a line break, a control character, # or ;), so the line leaves it out: set BYOK_CONFIG_DIR in Claude Code's environment too, or use a config directory without them.`);
    awsProfile = { name, configSection: `[profile ${name}]\ncredential_process = ${dir}byok credential-process --workspace ${t.workspace}\nregion = ${t.region}` };
    env.AWS_PROFILE = name;
    shellEnv.AWS_PROFILE = name;
    notes.push(
      `Credentials: the AWS SDK inside Claude Code reads profile ${name}; add the [profile ${name}] section printed here to ~/.aws/config so it asks byok credential-process, which hands out short-lived STS credentials from byok's encrypted store. No key goes into the settings file.`,
    );
  }
  // The same values (Claude Code run from that shell reads them too), except the token placeholder: a comment there.
  for (const [k, v] of Object.entries(env)) if (k !== 'AWS_BEARER_TOKEN_BEDROCK' && !(k in shellEnv)) shellEnv[k] = v;
  return ok({ settings: { env }, shellEnv, pinned, awsProfile, notes });
}

// ---- the check of a settings file ---------------------------------------------------------

export type FindingStatus = 'pass' | 'fail' | 'warn';

/** One check of the file, shaped like a doctor check (app/checks.ts CheckResult). */
export interface SettingsFinding {
  name: string;
  ok: boolean;
  status: FindingStatus;
  detail: string;
  category: 'region-mismatch' | 'credential-invalid' | null;
  hint: string | null;
}

export interface SettingsExpectation {
  workspace: string;
  geography: Geography;
  region: string;
  catalog?: readonly LiveProfile[];
  /** The gateway URL the file should name (doctor --gateway); absent: any loopback endpoint is byok's. */
  gateway?: string;
  /** The workspace calls Bedrock with a Bedrock API key: a key in AWS_BEARER_TOKEN_BEDROCK sent to Bedrock in its region is the direct path. */
  apiKey?: ApiKeyProvider;
}

/** Facts about the file the caller read that the object cannot tell. */
export interface SettingsFileFacts {
  path: string;
  /** True when group or others may read the file. */
  readableByOthers: boolean;
  /** Where credentials were found in the raw text (kinds and line numbers, never the values). */
  credentialFindings: { kind: string; line: number }[];
  /** The credential_process line of the profile AWS_PROFILE names, if the AWS config was read. */
  awsProfile?: { name: string; file: string; credentialProcess: string | null; found: boolean };
}

const pass = (name: string, detail: string): SettingsFinding => ({ name, ok: true, status: 'pass', detail, category: null, hint: null });
const warn = (name: string, detail: string, hint: string | null, category: SettingsFinding['category'] = null): SettingsFinding => ({ name, ok: true, status: 'warn', detail, category, hint });
const fail = (name: string, detail: string, hint: string, category: SettingsFinding['category'] = null): SettingsFinding => ({ name, ok: false, status: 'fail', detail, category, hint });

type ModelRef =
  | { kind: 'alias'; alias: string }
  | { kind: 'profile'; prefix: string; modelId: string }
  | { kind: 'arn'; region: string; resource: string }
  | { kind: 'bare'; modelId: string }
  | { kind: 'other' };

function parseModelRef(raw: string): ModelRef {
  const v = raw.trim().replace(/\[1m\]$/i, '');
  if (/^[a-z]+$/.test(v)) return { kind: 'alias', alias: v };
  if (v.startsWith('arn:')) {
    const region = arnRegion(v);
    if (region === null) return { kind: 'other' };
    return { kind: 'arn', region, resource: v.split(':').slice(5).join(':') };
  }
  const p = /^([a-z]{2,6}(?:-gov)?)\.(anthropic\..+)$/.exec(v);
  if (p) return { kind: 'profile', prefix: p[1]!, modelId: p[2]! };
  if (/^anthropic\./.test(v)) return { kind: 'bare', modelId: v };
  return { kind: 'other' };
}

const routedModelIds: ReadonlySet<string> = new Set<string>(Object.values(MODELS).map((m) => m.modelId));

/** One model value (an env variable, `model`, a modelOverrides entry) against the workspace. */
function modelFinding(name: string, raw: string, x: SettingsExpectation, pinned: PinnedModels | null): SettingsFinding {
  const geo = x.geography.toUpperCase();
  const fix = pinned ? `Set it to ${pinned.sonnet}${pinned.opus ? ` (or ${pinned.opus} for Opus)` : ''}: byok export claude-code prints the whole block.` : 'Run byok export claude-code for the values that fit the workspace.';
  const shown = raw.length > 160 ? `${raw.slice(0, 160)}…` : raw;
  const ref = parseModelRef(raw);
  switch (ref.kind) {
    case 'alias':
      return pass(name, `${shown}: a Claude Code alias, resolved through the ANTHROPIC_DEFAULT_*_MODEL pins checked here`);
    case 'profile': {
      if (!PREFIXES_INSIDE[x.geography].includes(ref.prefix)) {
        return fail(name, `${shown}: a ${ref.prefix}. inference profile, which routes outside ${geographyName(x.geography)}`, fix, 'region-mismatch');
      }
      if (!routedModelIds.has(ref.modelId)) {
        return warn(name, `${shown}: a ${ref.prefix}. profile of a model byok does not route, so byok cannot vouch for where AWS sends it (the byok gateway refuses it)`, fix, 'region-mismatch');
      }
      const mine = pinned && (raw.trim() === pinned.sonnet || raw.trim() === pinned.opus);
      return mine ? pass(name, `${shown}: the workspace's own profile in ${geo}`) : warn(name, `${shown}: inside ${geo}, but not the profile byok routes from ${x.region}`, fix, 'region-mismatch');
    }
    case 'arn': {
      if (ref.region === '') return x.geography === 'global' ? pass(name, `${shown}: a region-less ARN`) : fail(name, `${shown}: a region-less ARN, which is not bound to ${geographyName(x.geography)}`, fix, 'region-mismatch');
      if (!isRegionInGeography(x.geography, ref.region)) return fail(name, `${shown}: an ARN in ${ref.region}, and ${outsideReason(x.geography, ref.region)}`, fix, 'region-mismatch');
      const id = ref.resource.replace(/^[a-z-]+\//, '');
      const prefix = /^([a-z]{2,6}(?:-gov)?)\.anthropic\./.exec(id)?.[1];
      if (prefix && !PREFIXES_INSIDE[x.geography].includes(prefix)) return fail(name, `${shown}: the ${prefix}. profile it names routes outside ${geographyName(x.geography)}`, fix, 'region-mismatch');
      if (ref.resource.startsWith('application-inference-profile/')) {
        return warn(name, `${shown}: an application inference profile in ${ref.region}; byok cannot see which model or regions it copies`, `Check its source profile with: aws bedrock get-inference-profile --inference-profile-identifier ARN --region ${x.region}. ${fix}`, 'region-mismatch');
      }
      return ref.region === x.region ? pass(name, `${shown}: an ARN in the workspace's region`) : warn(name, `${shown}: an ARN in ${ref.region}, inside ${geo} but not the workspace's region ${x.region}`, fix, 'region-mismatch');
    }
    case 'bare':
      return warn(name, `${shown}: a model ID without an inference profile; AWS refuses it on demand for these models`, fix, 'region-mismatch');
    default:
      return warn(name, `${shown}: not a Bedrock model ID or ARN byok recognises`, fix);
  }
}

function regionFinding(name: string, value: string, x: SettingsExpectation): SettingsFinding {
  const v = value.trim();
  const hint = `Set ${name} to ${x.region}, the workspace's region (byok export claude-code).`;
  if (!isValidRegionName(v)) return fail(name, `"${v.slice(0, 40)}" is not an AWS region name`, hint, 'region-mismatch');
  if (!isRegionInGeography(x.geography, v)) return fail(name, `${outsideReason(x.geography, v)}`, hint, 'region-mismatch');
  if (v !== x.region) return fail(name, `${v} is inside ${x.geography.toUpperCase()} but differs from the workspace's region ${x.region}: requests would be sent from a region byok did not check`, hint, 'region-mismatch');
  return pass(name, `${v}, the workspace's region`);
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 60);
  }
}

/** Every check of a parsed Claude Code settings object against the workspace. */
export function checkClaudeCodeSettings(settings: Record<string, unknown>, envIn: Record<string, string>, x: SettingsExpectation, facts: SettingsFileFacts): SettingsFinding[] {
  const env = envIn;
  const out: SettingsFinding[] = [];
  const exp = claudeCodeExport({ workspace: x.workspace, geography: x.geography, region: x.region, catalog: x.catalog, gateway: x.gateway, apiKey: x.apiKey });
  const pinned = exp.ok ? exp.value.pinned : null;
  const geo = x.geography.toUpperCase();

  // Bedrock mode
  const bedrock = env.CLAUDE_CODE_USE_BEDROCK;
  if (bedrock === undefined) out.push(fail('bedrock-mode', 'CLAUDE_CODE_USE_BEDROCK is not set in this file: Claude Code would call Anthropic\'s API, not the workspace\'s Bedrock account, unless your shell sets it', 'Add "CLAUDE_CODE_USE_BEDROCK": "1" to env (byok export claude-code).'));
  else if (!truthy(bedrock)) out.push(fail('bedrock-mode', `CLAUDE_CODE_USE_BEDROCK is "${bedrock.slice(0, 20)}": Bedrock mode is off, so nothing goes through the workspace's account or geography`, 'Set "CLAUDE_CODE_USE_BEDROCK": "1" (byok export claude-code).'));
  else out.push(pass('bedrock-mode', 'CLAUDE_CODE_USE_BEDROCK is on'));

  // Regions
  if (env.AWS_REGION === undefined) out.push(fail('AWS_REGION', 'not set in this file; Claude Code requires it and does not read the region from ~/.aws/config', `Add "AWS_REGION": "${x.region}" to env.`, 'region-mismatch'));
  for (const name of REGION_VARS) if (env[name] !== undefined) out.push(regionFinding(name, env[name]!, x));

  // Models: the variables, the `model` key, modelOverrides and availableModels.
  for (const name of MODEL_VARS) {
    const v = env[name];
    if (v !== undefined) {
      out.push(modelFinding(name, v, x, pinned));
      continue;
    }
    if (name === 'ANTHROPIC_SMALL_FAST_MODEL' || name === 'CLAUDE_CODE_SUBAGENT_MODEL' || name === 'ANTHROPIC_MODEL') continue;
    // Unpinned: Claude Code chooses the ID itself. Its Amazon Bedrock page lists us. profiles as the
    // defaults; Claude Code 2.1.197, run against the emulator from eu-west-1 without pins, derived
    // eu. IDs instead and probed models byok does not route (eu.anthropic.claude-opus-4-6-v1,
    // ...-opus-4-1-..., ...-3-5-haiku-...). Either way the file does not decide the model: a warning.
    const family = name.replace('ANTHROPIC_DEFAULT_', '').replace('_MODEL', '').toLowerCase();
    const pin = family === 'opus' ? (pinned?.opus ?? pinned?.sonnet) : pinned?.sonnet;
    out.push(warn(name, `not set: Claude Code picks the ${family} model itself, by version and region (its documentation lists a us. profile as the default), so this file does not keep it to a profile byok routes inside ${geo}`, `Pin it to ${pin ?? "the workspace's profile"} (byok export claude-code).`, 'region-mismatch'));
  }
  if (typeof settings.model === 'string') out.push(modelFinding('model', settings.model, x, pinned));
  const overrides = settings.modelOverrides;
  if (overrides && typeof overrides === 'object' && !Array.isArray(overrides)) {
    for (const [k, v] of Object.entries(overrides as Record<string, unknown>)) if (typeof v === 'string') out.push(modelFinding(`modelOverrides.${k.slice(0, 60)}`, v, x, pinned));
  }
  if (Array.isArray(settings.availableModels)) {
    settings.availableModels.forEach((v, i) => {
      if (typeof v === 'string' && parseModelRef(v).kind !== 'alias') out.push(modelFinding(`availableModels[${i}]`, v, x, pinned));
    });
  }

  // Endpoint
  const base = env.ANTHROPIC_BEDROCK_BASE_URL;
  const officialRegion = base !== undefined ? /^https:\/\/bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com\/?$/.exec(base.trim())?.[1] : undefined;
  let viaByok = false;
  if (base === undefined) {
    if (x.gateway !== undefined) out.push(fail('endpoint', `ANTHROPIC_BEDROCK_BASE_URL is not set: Claude Code calls Bedrock directly, not the byok gateway at ${x.gateway}`, `Add "ANTHROPIC_BEDROCK_BASE_URL": "${x.gateway}" (byok export claude-code --gateway ${x.gateway}).`));
    else out.push(pass('endpoint', `no ANTHROPIC_BEDROCK_BASE_URL: Claude Code calls Bedrock Runtime in AWS_REGION directly`));
  } else {
    const norm = checkGatewayUrl(base);
    if (!norm.ok) out.push(fail('endpoint', `ANTHROPIC_BEDROCK_BASE_URL: ${norm.error.reason}`, norm.error.hint));
    else if (x.gateway !== undefined) {
      viaByok = norm.value === x.gateway;
      out.push(viaByok ? pass('endpoint', `ANTHROPIC_BEDROCK_BASE_URL is the byok gateway (${x.gateway})`) : fail('endpoint', `ANTHROPIC_BEDROCK_BASE_URL is ${norm.value}, not the byok gateway at ${x.gateway}: requests would bypass byok's routing, fallback policy and audit`, `Set it to ${x.gateway}.`));
    } else if (isLoopbackUrl(norm.value)) {
      viaByok = true;
      out.push(pass('endpoint', `ANTHROPIC_BEDROCK_BASE_URL is local (${hostOf(norm.value)}): the byok gateway or emulator (pass --gateway URL to check it is that exact one)`));
    } else if (officialRegion !== undefined) {
      if (!isRegionInGeography(x.geography, officialRegion)) out.push(fail('endpoint', `ANTHROPIC_BEDROCK_BASE_URL is Bedrock Runtime in ${officialRegion}, and ${outsideReason(x.geography, officialRegion)}`, `Remove it (Claude Code then uses AWS_REGION ${x.region}), or point it at the byok gateway.`, 'region-mismatch'));
      else if (officialRegion !== x.region) out.push(fail('endpoint', `ANTHROPIC_BEDROCK_BASE_URL is Bedrock Runtime in ${officialRegion}, not the workspace's region ${x.region}`, `Remove it (Claude Code then uses AWS_REGION ${x.region}), or point it at the byok gateway.`, 'region-mismatch'));
      else out.push(pass('endpoint', `ANTHROPIC_BEDROCK_BASE_URL is Bedrock Runtime in the workspace's region ${x.region}`));
    } else {
      out.push(fail('endpoint', `ANTHROPIC_BEDROCK_BASE_URL is ${hostOf(norm.value)}: neither the byok gateway nor Bedrock in ${x.region}, so byok cannot tell where requests go or hold them to ${geo}`, 'Point it at the byok gateway (byok export claude-code --gateway URL), or remove it; if the gateway listens there, check with: byok doctor --claude-code-settings FILE --gateway URL.'));
    }
  }

  // Credentials: never the values, only where and what.
  const keyVars = PLAINTEXT_KEY_VARS.filter((k) => env[k] !== undefined);
  const lines = [...new Set(facts.credentialFindings.map((f) => f.line))].sort((a, b) => a - b);
  const kinds = [...new Set(facts.credentialFindings.map((f) => f.kind.replace(/-/g, ' ')))];
  if (keyVars.length > 0 || facts.credentialFindings.length > 0) {
    const what = [keyVars.length > 0 ? `${keyVars.join(', ')} in env` : '', kinds.length > 0 ? `${kinds.join(', ')} at line${lines.length === 1 ? '' : 's'} ${lines.join(', ')}` : ''].filter(Boolean).join('; ');
    out.push(fail('plaintext-keys', `AWS credentials in plaintext in ${facts.path} (${what}): anyone who can read the file has the key, and requests signed with it skip byok's encrypted store and its STS sessions (values not shown)`, `Remove them, and deactivate that key in IAM if the file was ever shared or committed. Use the direct path instead: "AWS_PROFILE": "${awsProfileName(x.workspace)}" with credential_process = byok credential-process --workspace ${x.workspace} in ~/.aws/config (byok export claude-code prints both).`, 'credential-invalid'));
  } else out.push(pass('plaintext-keys', 'no AWS keys in the file'));

  const bearer = env.AWS_BEARER_TOKEN_BEDROCK;
  if (bearer !== undefined) {
    // The direct path of a workspace whose provider is a Bedrock API key: the key, to Bedrock in the workspace's region.
    const directToRegion = !viaByok && (base === undefined || officialRegion === x.region);
    const made = shortTermFacts(bearer.trim());
    if (x.apiKey && directToRegion && bearer.trim() === API_KEY_PLACEHOLDER) out.push(warn('api-key', 'AWS_BEARER_TOKEN_BEDROCK is still the placeholder byok export wrote', 'Replace it with a Bedrock API key (byok export claude-code says where it comes from), or export AWS_BEARER_TOKEN_BEDROCK in your shell and remove it here.'));
    else if (x.apiKey && directToRegion && made && made.region !== x.region) out.push(fail('api-key', `AWS_BEARER_TOKEN_BEDROCK holds a short-term Bedrock API key made for ${made.region} (value not shown); Bedrock refuses it in the workspace's region ${x.region}`, `Make the key in ${x.region}.`, 'region-mismatch'));
    else if (x.apiKey && directToRegion && facts.readableByOthers) out.push(fail('api-key', `AWS_BEARER_TOKEN_BEDROCK holds a Bedrock API key (value not shown) and ${facts.path} is readable by other users`, `chmod 600 ${facts.path}, and revoke the key if others could have read it (a long-term key: byok iam revoke-api-key; a short-term key expires within 12 hours); or export it in your shell instead.`, 'credential-invalid'));
    else if (x.apiKey && directToRegion) out.push(pass('api-key', `AWS_BEARER_TOKEN_BEDROCK holds a ${made ? 'short-term ' : ''}Bedrock API key (value not shown), sent to Bedrock in ${x.region} directly, as the workspace's provider; the file is readable by you only`));
    else if (bearer.trim() === GATEWAY_TOKEN_PLACEHOLDER) out.push(warn('gateway-token', 'AWS_BEARER_TOKEN_BEDROCK is still the placeholder byok export wrote', 'Replace it with the token byok gateway token create --user NAME showed (or export it in your shell).'));
    else if (!viaByok) out.push(fail('gateway-token', `AWS_BEARER_TOKEN_BEDROCK holds a bearer token (value not shown) that is sent to ${base === undefined ? `Bedrock in ${env.AWS_REGION ?? 'AWS_REGION'} directly` : hostOf(base)}, not to the byok gateway: a Bedrock API key in plaintext, past byok's routing and audit`, 'Remove it and revoke that API key in AWS; use a byok gateway token with ANTHROPIC_BEDROCK_BASE_URL set to the gateway (byok export claude-code --gateway URL).', 'credential-invalid'));
    else if (facts.readableByOthers) out.push(warn('gateway-token', `AWS_BEARER_TOKEN_BEDROCK holds a gateway token (value not shown) and ${facts.path} is readable by other users`, `chmod 600 ${facts.path}, and revoke the token if others could have read it (byok gateway token revoke).`));
    else out.push(pass('gateway-token', 'AWS_BEARER_TOKEN_BEDROCK holds a gateway token (value not shown); the file is readable by you only'));
  } else if (x.apiKey && !viaByok && x.gateway === undefined && env.AWS_PROFILE === undefined) {
    out.push(warn('api-key', 'no AWS_BEARER_TOKEN_BEDROCK in this file: the workspace calls Bedrock with a Bedrock API key, which Claude Code reads from that variable, so it must come from your shell', 'Export AWS_BEARER_TOKEN_BEDROCK in your shell, or run byok export claude-code for the block.'));
  } else if (viaByok && x.gateway !== undefined) {
    out.push(warn('gateway-token', 'no AWS_BEARER_TOKEN_BEDROCK in this file: the gateway refuses requests without its token unless your shell sets it', 'Add the token byok gateway token create --user NAME showed, or export it in your shell.'));
  }

  const profile = env.AWS_PROFILE;
  if (profile !== undefined && bearer === undefined) {
    const p = facts.awsProfile;
    if (p && !p.found) out.push(warn('aws-profile', `AWS_PROFILE is ${profile}, but ${p.file} has no [profile ${profile}] section`, `Add a [profile ${profile}] section with credential_process = byok credential-process --workspace ${x.workspace} to ${p.file} (byok export claude-code prints it).`));
    else if (x.apiKey && p && p.credentialProcess !== null && /\bbyok\b.*\bcredential-process\b/.test(p.credentialProcess) && !viaByok) out.push(fail('aws-profile', `AWS_PROFILE is ${profile}, whose byok credential-process refuses this workspace: it calls Bedrock with a Bedrock API key, a bearer token credential_process cannot hand out`, 'Use AWS_BEARER_TOKEN_BEDROCK instead of AWS_PROFILE (byok export claude-code), or the byok gateway (byok export claude-code --gateway URL).', 'credential-invalid'));
    else if (p && (p.credentialProcess === null || !/\bbyok\b.*\bcredential-process\b/.test(p.credentialProcess))) out.push(warn('aws-profile', `AWS_PROFILE is ${profile}, whose credentials do not come from byok (no credential_process = byok credential-process in ${p.file})`, `Set credential_process = byok credential-process --workspace ${x.workspace} in [profile ${profile}].`));
    else if (p && p.credentialProcess !== null && /--workspace[ =]\S+/.test(p.credentialProcess) && !new RegExp(`--workspace[ =]${x.workspace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\s|$)`).test(p.credentialProcess)) out.push(fail('aws-profile', `AWS_PROFILE is ${profile}, whose credential_process takes another workspace's credentials (${p.credentialProcess.slice(0, 120)})`, `Use --workspace ${x.workspace} there, or a profile of its own (${awsProfileName(x.workspace)}).`));
    else if (p) out.push(pass('aws-profile', `AWS_PROFILE ${profile} takes its credentials from byok credential-process`));
  }
  return out;
}
