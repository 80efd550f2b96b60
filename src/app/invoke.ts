// The fallback engine (DESIGN §4.3), for any caller: `byok invoke`, the gateway, a Node program.
// BYOK is always tried first; a failure is classified and the policy decides; a fallback happens
// at most once, on platform credentials, in the original call's region, only after its audit
// event is on disk, and never once part of the reply has reached the client. It never prints,
// prompts or exits: it returns what happened, and the caller renders it.
import { workspaceCatalog, type ConfigDoc, type PlatformConfig, type Workspace } from '../core/config-doc.js';
import { ByokError, CancelledError, UsageError } from '../core/errors.js';
import { evaluateFallback, platformTarget, type FallbackDecision } from '../core/fallback.js';
import { arnOutsideGeography, geographyName, residencyChoices, type ModelKey } from '../core/geography.js';
import { parseAccessDenied } from '../aws/permissions.js';
import { describeFindings, findCredentials } from '../core/payload-guard.js';
import { resolveRoute, type Route } from '../core/routing.js';
import { checkTask } from '../core/models.js';
import { classifyError, RETRYABLE_CATEGORIES, type ErrorCategory } from '../core/error-classes.js';
import { problemFor, troubleshoot } from '../core/troubleshooting.js';
import { pickWorkspace, roleOf } from '../core/access.js';
import { printable } from '../core/text.js';
import { bearerFailure, bearerHint, type BearerFailure } from '../core/api-keys.js';
import { endpointFor, type AwsCredentials } from '../aws/clients.js';
import type { AwsFailure } from '../aws/errors.js';
import type { Env } from '../core/env.js';
import type { Runtime } from './runtime.js';

/** Where one attempt goes: the endpoint, the region it is signed for, and whose credentials. */
export type CallTarget = CallTargetBase & (
  | { credentials: AwsCredentials; bearerToken?: undefined }
  /** A Bedrock API key instead (issue 14): sent as Authorization: Bearer, no SigV4. BYOK attempts only. */
  | { credentials?: undefined; bearerToken: string }
);
export interface CallTargetBase {
  via: 'byok' | 'platform';
  /** The route the engine resolved: the call sends to route.inferenceProfileId. */
  route: Route;
  region: string;
  endpoint: string;
  /** ctx.now() − host clock: requests are signed at the runtime's time. */
  clockOffsetMs: number;
  /** The platform retry is exactly one attempt: the SDK must not retry it again. */
  maxAttempts?: number;
}

export interface Attempt {
  via: 'byok' | 'platform';
  ok: boolean;
  endpoint: string;
  region: string;
  /** local: byok refused the call itself (an expired ASIA key) and sent nothing: no HTTP status; the code is the AWS one it stands for, and endpoint the one it would have called. */
  error?: { code: string | null; status: number | null; message: string | null; category: string; local?: true };
}

export interface OperationFacts {
  kind: 'read' | 'write';
  fallbackEligible?: boolean;
  autonomous?: boolean;
  environment?: 'production' | 'staging' | 'development';
}

export interface EngineRequest<T> {
  /** The workspace (else the runtime's --workspace, else the current one). */
  workspace?: string;
  /** Routing input: the model is chosen from the task or forced, then the geography's profile. */
  task?: string;
  model?: ModelKey;
  /**
   * A caller that already knows the inference profile (the gateway, from the client's URL): it is
   * checked against the workspace's route instead of chosen. Refused (UsageError) when it differs.
   */
  requireProfileId?: string;
  operation: OperationFacts;
  conversation?: string;
  /** The request's text size, for the audit event written before a fallback (tokens ≈ chars / 4). */
  promptChars: number;
  maxTokens: number | null;
  /** The text the payload guard reads before anything is sent (the prompt, or the request body). */
  payloadText: string;
  /** One attempt against a target; throws an AWS-shaped error (name/$metadata) on failure. */
  call(target: CallTarget): Promise<T>;
  /** How much of the reply already reached the client: more than 0 means no retry may follow. */
  delivered(): number;
  /** Bedrock's token counts for the reply, for the fallback-completed audit event. */
  usage(result: T): { inputTokens: number | null; outputTokens: number | null };
  /**
   * Warn's re-confirmation, when a person can answer: true continues (and is audited), false
   * cancels. Absent: a pending confirmation refuses with `confirmation-required`.
   */
  confirm?: (why: string) => Promise<boolean>;
}

export interface EngineBase {
  workspace: Workspace;
  route: Route;
  conversation: string;
  attempts: Attempt[];
}

export type EngineOutcome<T> =
  | (EngineBase & { ok: true; servedBy: 'byok' | 'platform'; result: T; decision: FallbackDecision | null })
  | (EngineBase & { ok: false; servedBy: null; failure: AwsFailure; decision: FallbackDecision; hint: string });

/** Converts an exception from a call into the facts classification needs (lazy: loads nothing heavy). */
export type FailureReader = (e: unknown) => AwsFailure;

/** The platform's Bedrock Runtime endpoint in a region. BYOK_PLATFORM_ENDPOINT_URL may hold {region}. */
export function platformEndpoint(env: Env, region: string): string {
  const t = env.BYOK_PLATFORM_ENDPOINT_URL;
  if (t && t.trim() !== '') return t.trim().replace('{region}', region);
  return `https://bedrock-runtime.${region}.amazonaws.com`;
}

/**
 * The endpoint BYOK calls go to, as recorded in attempts and used by the gateway: the one byok
 * builds its clients with from the environment (aws/clients.ts endpointFor: the SDK's
 * AWS_ENDPOINT_URL_* overrides, blank meaning unset, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is
 * true), else AWS. An `endpoint_url` in the AWS config file is not read here (the SDK's own
 * clients do read it).
 */
export function byokEndpoint(env: Env, region: string): string {
  return endpointFor(env, 'BEDROCK_RUNTIME') ?? `https://bedrock-runtime.${region}.amazonaws.com`;
}

/** Refuses a prompt that carries raw cloud credentials, before anything is sent (exit 2). */
export function guardPayload(text: string): void {
  const found = findCredentials(text);
  if (found.length > 0) {
    throw new UsageError(
      'credentials-in-payload',
      `Refused: the prompt contains what looks like raw cloud credentials (${describeFindings(found)}); nothing was sent.`,
      'Remove the credentials from the prompt. byok never sends raw cloud credentials to a model; agents call cloud APIs under their own scoped credentials.',
    );
  }
}

async function confirmIfRequired(rt: Runtime, ws: Workspace, confirm: EngineRequest<unknown>['confirm']): Promise<void> {
  if (!ws.confirmationRequired) return;
  const why = `A request fell back to platform credentials under the warn policy (${ws.confirmationRequired.reason}, ${ws.confirmationRequired.since}).`;
  if (!confirm) {
    throw new UsageError('confirmation-required', `${why} The warn policy requires re-confirmation before the next session.`, 'Run: byok policy confirm (or run invoke in a terminal to confirm at the prompt).');
  }
  if (!(await confirm(why))) throw new CancelledError();
  await rt.store().update((doc, tx) => {
    const w = doc.workspaces[ws.name];
    if (w?.confirmationRequired) {
      tx.audit({ type: 'policy-confirmed', user: rt.user, workspace: ws.name, details: { since: w.confirmationRequired.since, reason: w.confirmationRequired.reason, policy: w.policy, at: rt.now().toISOString() } });
      delete w.confirmationRequired;
    }
  });
}

/** The workspace, its access and its route, checked before any call: every refusal here is exit 2. */
export async function prepareCall(rt: Runtime, req: Pick<EngineRequest<unknown>, 'workspace' | 'task' | 'model' | 'requireProfileId' | 'payloadText' | 'confirm'>): Promise<{ doc: ConfigDoc; ws: Workspace; route: Route }> {
  guardPayload(req.payloadText);
  if (req.task !== undefined) {
    // A mistyped task is refused before anything is read or asked (it would silently get the default model).
    const t = checkTask(req.task);
    if (!t.ok) throw new UsageError('unknown-task', t.error.reason, t.error.hint);
  }
  const { doc } = await rt.store().read();
  const ws = pickWorkspace(rt, doc, req.workspace);
  const { usableWorkspace } = await import('./credentials.js');
  usableWorkspace(rt, ws);
  await confirmIfRequired(rt, ws, req.confirm);
  const routed = resolveRoute({ task: req.task, model: req.model, geography: ws.geography, region: ws.region, catalog: workspaceCatalog(ws) });
  if (!routed.ok) throw new UsageError(routed.error.code, routed.error.reason, routed.error.hint);
  const route = routed.value;
  if (req.requireProfileId !== undefined && req.requireProfileId !== route.inferenceProfileId && req.requireProfileId !== route.modelId) {
    throw new UsageError('model-outside-route', `"${printable(req.requireProfileId, 120)}" is not the inference profile workspace ${ws.name} routes ${route.modelName} to (${route.inferenceProfileId}, ${geographyName(route.geography)}).`, `Use ${route.inferenceProfileId}.`);
  }
  return { doc, ws, route };
}

/**
 * The engine: BYOK first, then the policy's decision, decided again under the lock with its audit
 * event written, then at most one platform attempt in the same region.
 */
export async function runWithFallback<T>(rt: Runtime, req: EngineRequest<T>): Promise<EngineOutcome<T>> {
  const { doc, ws, route } = await prepareCall(rt, req);
  const conversation = req.conversation ?? `cli-${rt.now().getTime().toString(36)}`;
  const { credentialsInUse, CredentialsRefusedError, clockOffsetMs } = await import('./credentials.js');
  const { toAwsFailure } = await import('../aws/errors.js');
  const offset = clockOffsetMs(rt);
  const attempts: Attempt[] = [];
  const base = (): EngineBase => ({ workspace: ws, route, conversation, attempts });
  const byokAt = byokEndpoint(rt.env, route.region);

  // 1. BYOK, always first.
  let failure: AwsFailure;
  let refusalHint: string | undefined;
  // Set only when byok refused from what it knows beyond AWS's words (a CredentialsRefusedError).
  let knownBetter: { category: ErrorCategory; explanation: string } | undefined;
  try {
    const { apiKeyInUse } = await import('./api-keys.js');
    const key = await apiKeyInUse(rt, { workspace: ws.name });
    let result: T;
    if (key) {
      try {
        result = await req.call({ via: 'byok', route, region: route.region, endpoint: byokAt, bearerToken: key.token, clockOffsetMs: offset });
      } catch (e) {
        // A key byok mints that Bedrock calls expired is renewed, not fallen back from: one new key,
        // one more BYOK attempt (recorded). If that is refused too, the signing credentials or the
        // clock are wrong, which no platform retry fixes (core/api-keys.ts bearerHint).
        const f = toAwsFailure(e);
        const kind = bearerFailure({ code: f.code, message: f.message });
        if (!key.minted || kind !== 'expired' || req.delivered() > 0) throw withBearerHint(e, kind, key);
        attempts.push({ via: 'byok', ok: false, endpoint: byokAt, region: route.region, error: { code: f.code ?? null, status: f.status ?? null, message: f.message ?? null, category: f.category } });
        const fresh = await apiKeyInUse(rt, { workspace: ws.name, forceRefresh: true });
        try {
          result = await req.call({ via: 'byok', route, region: route.region, endpoint: byokAt, bearerToken: fresh!.token, clockOffsetMs: offset });
        } catch (e2) {
          const f2 = toAwsFailure(e2);
          const again = bearerFailure({ code: f2.code, message: f2.message });
          if (again === 'expired') {
            throw new CredentialsRefusedError(
              // Stryker disable next-line StringLiteral: equivalent, the engine keeps only a refusal's failure and hint (below): this code and sentence reach no caller
              'api-key-renewal-refused', `Bedrock called the short-term key byok had just minted for workspace ${ws.name} expired.`,
              bearerHint('expired', { kind: 'short-term', minted: true }), 'credential-invalid', { ...f2, category: 'credential-invalid', retryable: false },
            );
          }
          throw withBearerHint(e2, again, key);
        }
      }
    } else {
      const creds = await credentialsInUse(rt, { workspace: ws.name });
      result = await req.call({ via: 'byok', route, region: route.region, endpoint: byokAt, credentials: creds.credentials, clockOffsetMs: offset });
    }
    attempts.push({ via: 'byok', ok: true, endpoint: byokAt, region: route.region });
    return { ...base(), ok: true, servedBy: 'byok', result, decision: null };
  } catch (e) {
    if (e instanceof BearerRefusal) {
      failure = toAwsFailure(e.original);
      refusalHint = e.hint;
    } else if (e instanceof CredentialsRefusedError) {
      // Classified from what AWS said (or, for an expired ASIA key, from the expiry byok saw),
      // never from byok's own sentence: that carries the workspace name, which decides nothing.
      failure = e.failure ?? { code: 'ExpiredTokenException', status: 403, message: e.message, category: e.category, retryable: RETRYABLE_CATEGORIES.includes(e.category), local: true };
      refusalHint = e.hint;
      knownBetter = { category: failure.category, explanation: e.hint };
    } else if (e instanceof ByokError) {
      throw e; // usage, local state (locked, tampered: exit 3), cancellation
    } else {
      failure = toAwsFailure(e);
    }
  }
  const delivered = req.delivered();
  if (delivered > 0) refusalHint ??= `${delivered} characters of the reply had already been delivered when the stream broke.`;
  attempts.push({ via: 'byok', ok: false, endpoint: byokAt, region: route.region, error: { code: failure.code ?? null, status: failure.local ? null : failure.status ?? null, message: failure.message ?? null, category: failure.category, ...(failure.local ? { local: true } : {}) } });
  const fail = (decision: FallbackDecision): EngineOutcome<T> => ({ ...base(), ok: false, servedBy: null, failure, decision, hint: refusalHint ?? failureHint(ws, route, failure) });

  // 2. The policy decides; the audit event must be written before any fallback.
  const operation = { kind: req.operation.kind, markedFallbackEligible: req.operation.fallbackEligible === true, autonomous: req.operation.autonomous === true, environment: req.operation.environment };
  // AWS's words alone would make it retryable, and byok knows it is not (the fallback rules say why).
  const notRetryableBecause = knownBetter && !failure.retryable && classifyError({ code: failure.code, status: failure.status, message: failure.message }).retryable ? knownBetter : undefined;
  const evalInput = { error: { code: failure.code, status: failure.status, message: failure.message }, operation, policy: ws.policy, region: route.region, ...platformTarget(doc.platform), notRetryableBecause };
  let decision: FallbackDecision = evaluateFallback(evalInput);
  if (decision.decision === 'fallback' && delivered > 0) {
    // Part of the BYOK reply already reached the client: a retry would deliver a second reply after it.
    decision = { ...decision, decision: 'fail', targetRegion: null, reasons: [...decision.reasons, `no: ${delivered} characters of the BYOK reply were already streamed; a retry would mix two replies`] };
  }
  if (decision.decision !== 'fallback') return fail(decision);

  const endpoint = platformEndpoint(rt.env, route.region);
  let platform: PlatformConfig;
  try {
    const { result } = await rt.store().update((d: ConfigDoc, tx) => {
      // Decide again on the document as it is now, under the lock: a policy set to strict, BYOK
      // disabled, the user removed or the platform credentials removed while the BYOK call ran
      // all stop the fallback, and so does a fallback under warn that a concurrent session has
      // just made (its mark is set in this same locked update, so one fallback is the most
      // that happens before someone re-confirms, whatever the concurrency).
      const w = d.workspaces[ws.name];
      const fresh = evaluateFallback({ ...evalInput, policy: w?.policy ?? 'strict', ...platformTarget(w?.byokEnabled ? d.platform : undefined), confirmationPending: w?.confirmationRequired !== undefined });
      if (fresh.decision !== 'fallback' || !w || roleOf(w, rt.user) === 'none' || !d.platform) return { decision: fresh, platform: undefined };
      tx.audit({
        type: 'fallback',
        user: rt.user,
        workspace: ws.name,
        details: {
          originalErrorCode: failure.code ?? `HTTP ${failure.status ?? 'unknown'}`,
          // byok saw the error itself (an expired ASIA key) and sent nothing: the code is the one it stands for, not AWS's answer.
          ...(failure.local ? { originalErrorLocal: true } : {}),
          category: failure.category,
          platformEndpoint: endpoint,
          platformOwner: d.platform.owner ?? null,
          user: rt.user,
          workspace: ws.name,
          conversation,
          model: route.modelId,
          inferenceProfileId: route.inferenceProfileId,
          region: route.region,
          policy: w.policy,
          // Written before the retry, so the request's size is known (estimated: characters / 4)
          // and the reply's is not yet (null, not 0: nothing was generated is not what happened);
          // the fallback-completed event that follows carries the counts Bedrock reported.
          inputTokens: Math.ceil(req.promptChars / 4),
          outputTokens: null,
          maxTokens: req.maxTokens,
        },
      });
      if (w.policy === 'warn') w.confirmationRequired = { since: rt.now().toISOString(), reason: `fallback after ${failure.code ?? failure.category}` };
      return { decision: fresh, platform: structuredClone(d.platform) };
    });
    // Stryker disable next-line ConditionalExpression: equivalent, the locked update returns platform credentials only with a fallback decision; both are checked to fail closed
    if (result.decision.decision !== 'fallback' || !result.platform) {
      const changed = { ...result.decision, decision: 'fail' as const, targetRegion: null };
      changed.reasons = [...changed.reasons, 'no: the configuration changed while the BYOK call ran (policy, a fallback awaiting re-confirmation, BYOK enabled, membership or platform credentials); decided again on it'];
      return fail(changed);
    }
    decision = result.decision;
    platform = result.platform;
  } catch (e) {
    const refused = evaluateFallback({ ...evalInput, auditWritable: false });
    const why = e instanceof Error ? e.message : String(e);
    refused.reasons.push(`the audit event could not be written (${why}), so the fallback did not happen`);
    return fail(refused);
  }

  // 3. Exactly one retry, platform credentials, same region.
  try {
    const pc = platform.credentials;
    const result = await req.call({ via: 'platform', route, region: route.region, endpoint, credentials: { accessKeyId: pc.accessKeyId, secretAccessKey: pc.secretAccessKey, sessionToken: pc.sessionToken }, clockOffsetMs: offset, maxAttempts: 1 });
    attempts.push({ via: 'platform', ok: true, endpoint, region: route.region });
    const u = req.usage(result);
    await rt.store().update((_d, tx) => {
      tx.audit({ type: 'fallback-completed', user: rt.user, workspace: ws.name, details: { conversation, ok: true, platformEndpoint: endpoint, region: route.region, model: route.modelId, inputTokens: u.inputTokens, outputTokens: u.outputTokens } });
    });
    return { ...base(), ok: true, servedBy: 'platform', result, decision };
  } catch (e) {
    const f2 = toAwsFailure(e);
    attempts.push({ via: 'platform', ok: false, endpoint, region: route.region, error: { code: f2.code ?? null, status: f2.status ?? null, message: f2.message ?? null, category: f2.category } });
    await rt.store().update((_d, tx) => {
      tx.audit({ type: 'fallback-completed', user: rt.user, workspace: ws.name, details: { conversation, ok: false, platformEndpoint: endpoint, region: route.region, model: route.modelId, errorCode: f2.code ?? null, inputTokens: null, outputTokens: null } });
    }).catch(() => undefined);
    return fail(decision);
  }
}

/** A bearer refusal carries the hint for the workspace's kind of key (the failure itself is unchanged). */
class BearerRefusal extends Error {
  constructor(readonly original: unknown, readonly hint: string) {
    super(original instanceof Error ? original.message : String(original));
  }
}
function withBearerHint(e: unknown, kind: BearerFailure | null, key: { kind: 'short-term' | 'long-term'; minted: boolean; region: string }): unknown {
  return kind === null ? e : new BearerRefusal(e, bearerHint(kind, key));
}

/**
 * What to do about a failed BYOK call: an AccessDenied on a model outside the geography means AWS
 * routed the profile outside it (byok refuses, and says the choices — never "grant it there");
 * otherwise the product document's steps for the failure.
 */
export function failureHint(ws: Workspace, route: Route, failure: { code?: string; category: ErrorCategory; message?: string; status?: number }): string {
  const deniedOn = failure.category === 'iam-permission' && ws.geography ? parseAccessDenied(failure.message)?.resource ?? null : null;
  const outside = deniedOn && ws.geography ? arnOutsideGeography(ws.geography, deniedOn) : null;
  if (outside !== null && ws.geography) return `AWS routed ${route.inferenceProfileId} from ${route.region} outside ${geographyName(ws.geography)} and denied the model there. ${residencyChoices(ws.geography)}`;
  return troubleshoot(problemFor(failure)).steps.join(' ');
}

// ---- byok invoke's request: one Converse or ConverseStream call ----

export interface InvokeRequest {
  prompt: string;
  workspace?: string;
  task?: string;
  model?: ModelKey;
  operation: OperationFacts;
  conversation?: string;
  stream?: boolean;
  maxTokens: number;
  /** Text as it arrives (streaming): once called, no retry follows a broken stream. */
  onText?: (text: string) => void;
  confirm?: (why: string) => Promise<boolean>;
}

export interface InvokeReply {
  text: string;
  stopReason: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
}

/** Refuses what no call may carry (exit 2): an empty prompt, a malformed conversation ID. */
export function checkInvokeRequest(r: Pick<InvokeRequest, 'prompt' | 'conversation'>): void {
  if (r.prompt.trim() === '') throw new UsageError('empty-prompt', 'The prompt is empty.', 'Pass the prompt as the last argument: byok invoke "Summarise ..."');
  if (r.conversation !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(r.conversation)) {
    throw new UsageError('invalid-conversation', `"${printable(r.conversation)}" is not a conversation ID.`, 'Use 1-128 characters of letters, digits and . _ : -');
  }
}

/** One prompt through routing, the payload guard, the fallback policy and the audit log. */
export async function invoke(rt: Runtime, r: InvokeRequest): Promise<EngineOutcome<InvokeReply>> {
  checkInvokeRequest(r);
  guardPayload(r.prompt);
  const { converse } = await import('../aws/converse.js');
  // Only text that reached the client counts: a stream read whole before anything is shown can
  // still be retried.
  let delivered = 0;
  const show = r.onText;
  const onText = show ? (t: string) => { delivered += t.length; show(t); } : undefined;
  return runWithFallback<InvokeReply>(rt, {
    workspace: r.workspace,
    task: r.task,
    model: r.model,
    operation: r.operation,
    conversation: r.conversation,
    promptChars: r.prompt.length,
    maxTokens: r.maxTokens,
    payloadText: r.prompt,
    confirm: r.confirm,
    delivered: () => delivered,
    usage: (x) => ({ inputTokens: x.inputTokens, outputTokens: x.outputTokens }),
    async call(t) {
      // Stryker disable next-line ConditionalExpression: equivalent, for BYOK the client resolves the endpoint byokEndpoint names (both from aws/clients.ts endpointFor, else AWS's URL for the region)
      const x = await converse(rt.env, { region: t.region, endpoint: t.via === 'platform' ? t.endpoint : undefined, credentials: t.credentials, bearerToken: t.bearerToken, clockOffsetMs: t.clockOffsetMs, maxAttempts: t.maxAttempts }, { modelId: t.route.inferenceProfileId, prompt: r.prompt, maxTokens: r.maxTokens, stream: r.stream === true, onText });
      return { text: x.text, stopReason: x.stopReason, inputTokens: x.inputTokens, outputTokens: x.outputTokens };
    },
  });
}
