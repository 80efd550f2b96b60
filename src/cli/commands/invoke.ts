// byok invoke: one real request through routing, the fallback policy and the audit log
// (DESIGN §4.3). BYOK is always tried first; at most one fallback, in the same region, only
// after its audit event is on disk.
import { oneLine } from '../terminal.js';
import type { Command } from 'commander';
import { workspaceCatalog, type ConfigDoc, type PlatformConfig, type Workspace } from '../../core/config-doc.js';
import { ByokError, CancelledError, EXIT, UsageError } from '../../core/errors.js';
import { evaluateFallback, platformTarget, type FallbackDecision } from '../../core/fallback.js';
import { arnOutsideGeography, geographyName, residencyChoices, type ModelKey } from '../../core/geography.js';
import { parseAccessDenied } from '../../aws/permissions.js';
import { describeFindings, findCredentials } from '../../core/payload-guard.js';
import { resolveRoute, type Route } from '../../core/routing.js';
import { REFUSED_CATEGORIES, RETRYABLE_CATEGORIES, type ErrorCategory } from '../../core/error-classes.js';
import { problemFor, troubleshoot } from '../../core/troubleshooting.js';
import type { Context } from '../context.js';
import { emit, mark, type Output } from '../output.js';
import type { ExitSink } from '../program.js';
import { choiceParser, intParser, pickWorkspace, printable, roleOf } from './shared.js';
import { decisionJson } from '../render/decision.js';

export interface InvokeOptions {
  prompt: string;
  task?: string;
  model?: ModelKey;
  operationKind: 'read' | 'write';
  fallbackEligible?: boolean;
  autonomous?: boolean;
  environment?: 'production' | 'staging' | 'development';
  conversation?: string;
  stream?: boolean;
  maxTokens: number;
}

interface Attempt {
  via: 'byok' | 'platform';
  ok: boolean;
  endpoint: string;
  region: string;
  error?: { code: string | null; status: number | null; message: string | null; category: string };
}

/** The platform's Bedrock Runtime endpoint in a region. BYOK_PLATFORM_ENDPOINT_URL may hold {region}. */
export function platformEndpoint(ctx: Context, region: string): string {
  const t = ctx.env.BYOK_PLATFORM_ENDPOINT_URL;
  if (t && t.trim() !== '') return t.trim().replace('{region}', region);
  return `https://bedrock-runtime.${region}.amazonaws.com`;
}

function byokEndpoint(ctx: Context, region: string): string {
  return ctx.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME ?? ctx.env.AWS_ENDPOINT_URL ?? `https://bedrock-runtime.${region}.amazonaws.com`;
}

async function confirmIfRequired(ctx: Context, ws: Workspace): Promise<void> {
  if (!ws.confirmationRequired) return;
  const why = `A request fell back to platform credentials under the warn policy (${ws.confirmationRequired.reason}, ${ws.confirmationRequired.since}).`;
  if (!ctx.canPrompt()) {
    throw new UsageError('confirmation-required', `${why} The warn policy requires re-confirmation before the next session.`, 'Run: byok policy confirm (or run invoke in a terminal to confirm at the prompt).');
  }
  const p = await ctx.prompter();
  const yes = await p.confirm(`${why} Continue with BYOK (fallback stays under the warn policy)?`, { default: false, flag: 'byok policy confirm' });
  if (!yes) throw new CancelledError();
  await ctx.store().update((doc, tx) => {
    const w = doc.workspaces[ws.name];
    if (w?.confirmationRequired) {
      tx.audit({ type: 'policy-confirmed', user: ctx.user, workspace: ws.name, details: { since: w.confirmationRequired.since, reason: w.confirmationRequired.reason, policy: w.policy, at: ctx.now().toISOString() } });
      delete w.confirmationRequired;
    }
  });
}

export async function runInvoke(o: InvokeOptions, ctx: Context): Promise<Output> {
  if (o.prompt.trim() === '') throw new UsageError('empty-prompt', 'The prompt is empty.', 'Pass the prompt as the last argument: byok invoke "Summarise ..."');
  const found = findCredentials(o.prompt);
  if (found.length > 0) {
    throw new UsageError(
      'credentials-in-payload',
      `Refused: the prompt contains what looks like raw cloud credentials (${describeFindings(found)}); nothing was sent.`,
      'Remove the credentials from the prompt. byok never sends raw cloud credentials to a model; agents call cloud APIs under their own scoped credentials.',
    );
  }
  if (o.conversation !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(o.conversation)) {
    throw new UsageError('invalid-conversation', `"${printable(o.conversation)}" is not a conversation ID.`, 'Use 1-128 characters of letters, digits and . _ : -');
  }
  const { doc } = await ctx.store().read();
  const ws = pickWorkspace(ctx, doc);
  const { usableWorkspace, credentialsInUse, CredentialsRefusedError } = await import('../../app/credentials.js');
  usableWorkspace(ctx, ws);
  await confirmIfRequired(ctx, ws);
  const routed = resolveRoute({ task: o.task, model: o.model, geography: ws.geography, region: ws.region, catalog: workspaceCatalog(ws) });
  if (!routed.ok) throw new UsageError(routed.error.code, routed.error.reason, routed.error.hint);
  const route = routed.value;
  const conversation = o.conversation ?? `cli-${ctx.now().getTime().toString(36)}`;
  const { converse } = await import('../../aws/converse.js');
  const { toAwsFailure } = await import('../../aws/errors.js');
  const clockOffsetMs = ctx.now().getTime() - Date.now();
  let streamed = 0;
  const onText = o.stream && !ctx.flags.json ? (t: string) => { streamed += t.length; ctx.io.stdout.write(t); } : undefined;
  const attempts: Attempt[] = [];

  // 1. BYOK, always first.
  let failure: ReturnType<typeof toAwsFailure>;
  let refusalHint: string | undefined;
  try {
    const creds = await credentialsInUse(ctx, { workspace: ws.name });
    const r = await converse(ctx.env, { region: route.region, credentials: creds.credentials, clockOffsetMs }, { modelId: route.inferenceProfileId, prompt: o.prompt, maxTokens: o.maxTokens, stream: o.stream === true, onText });
    attempts.push({ via: 'byok', ok: true, endpoint: byokEndpoint(ctx, route.region), region: route.region });
    return done(ctx, o, ws, route, conversation, r, attempts, null);
  } catch (e) {
    if (e instanceof CredentialsRefusedError) {
      // Classified from what AWS said (or, for an expired ASIA key, from the expiry byok saw),
      // never from byok's own sentence: that carries the workspace name, which decides nothing.
      failure = e.failure ?? { code: 'ExpiredTokenException', status: 403, message: e.message, category: e.category, retryable: RETRYABLE_CATEGORIES.includes(e.category) };
      refusalHint = e.hint;
    } else if (e instanceof ByokError) {
      throw e; // usage, local state (locked, tampered: exit 3), cancellation
    } else {
      failure = toAwsFailure(e);
    }
  }
  if (streamed > 0) refusalHint ??= `${streamed} characters of the reply had already been printed when the stream broke.`;
  attempts.push({ via: 'byok', ok: false, endpoint: byokEndpoint(ctx, route.region), region: route.region, error: { code: failure.code ?? null, status: failure.status ?? null, message: failure.message ?? null, category: failure.category } });

  // 2. The policy decides; the audit event must be written before any fallback.
  const operation = { kind: o.operationKind, markedFallbackEligible: o.fallbackEligible === true, autonomous: o.autonomous === true, environment: o.environment };
  const evalInput = { error: { code: failure.code, status: failure.status, message: failure.message }, operation, policy: ws.policy, region: route.region, ...platformTarget(doc.platform) };
  let decision: FallbackDecision = evaluateFallback(evalInput);
  if (decision.decision === 'fallback' && streamed > 0) {
    // Part of the BYOK reply is already on stdout: a retry would print a second reply after it.
    decision = { ...decision, decision: 'fail', targetRegion: null, reasons: [...decision.reasons, `no: ${streamed} characters of the BYOK reply were already streamed; a retry would mix two replies`] };
  }
  let platform: PlatformConfig | undefined;
  if (decision.decision === 'fallback') {
    const endpoint = platformEndpoint(ctx, route.region);
    try {
      const { result } = await ctx.store().update((d: ConfigDoc, tx) => {
        // Decide again on the document as it is now, under the lock: a policy set to strict, BYOK
        // disabled, the user removed or the platform credentials removed while the BYOK call ran
        // all stop the fallback, and so does a fallback under warn that a concurrent session has
        // just made (its mark is set in this same locked update, so one fallback is the most
        // that happens before someone re-confirms, whatever the concurrency).
        const w = d.workspaces[ws.name];
        const fresh = evaluateFallback({ ...evalInput, policy: w?.policy ?? 'strict', ...platformTarget(w?.byokEnabled ? d.platform : undefined), confirmationPending: w?.confirmationRequired !== undefined });
        if (fresh.decision !== 'fallback' || !w || roleOf(w, ctx.user) === 'none' || !d.platform) return { decision: fresh, platform: undefined };
        tx.audit({
          type: 'fallback',
          user: ctx.user,
          workspace: ws.name,
          details: {
            originalErrorCode: failure.code ?? `HTTP ${failure.status ?? 'unknown'}`,
            category: failure.category,
            platformEndpoint: endpoint,
            platformOwner: d.platform.owner ?? null,
            user: ctx.user,
            workspace: ws.name,
            conversation,
            model: route.modelId,
            inferenceProfileId: route.inferenceProfileId,
            region: route.region,
            policy: w.policy,
            // Written before the retry, so the request's size is known and the reply's is not yet:
            // the fallback-completed event that follows carries the counts Bedrock reported.
            inputTokens: Math.ceil(o.prompt.length / 4),
            outputTokens: 0,
            maxTokens: o.maxTokens,
          },
        });
        if (w.policy === 'warn') w.confirmationRequired = { since: ctx.now().toISOString(), reason: `fallback after ${failure.code ?? failure.category}` };
        return { decision: fresh, platform: structuredClone(d.platform) };
      });
      if (result.decision.decision !== 'fallback' || !result.platform) {
        const changed = { ...result.decision, decision: 'fail' as const, targetRegion: null };
        changed.reasons = [...changed.reasons, 'no: the configuration changed while the BYOK call ran (policy, a fallback awaiting re-confirmation, BYOK enabled, membership or platform credentials); decided again on it'];
        return failed(ctx, ws, route, conversation, attempts, changed, failure, refusalHint);
      }
      decision = result.decision;
      platform = result.platform;
    } catch (e) {
      decision = evaluateFallback({ ...evalInput, auditWritable: false });
      const why = e instanceof Error ? e.message : String(e);
      decision.reasons.push(`the audit event could not be written (${why}), so the fallback did not happen`);
      return failed(ctx, ws, route, conversation, attempts, decision, failure, refusalHint);
    }
    // 3. Exactly one retry, platform credentials, same region.
    try {
      const pc = platform.credentials;
      const r = await converse(
        ctx.env,
        { region: route.region, endpoint, credentials: { accessKeyId: pc.accessKeyId, secretAccessKey: pc.secretAccessKey, sessionToken: pc.sessionToken }, clockOffsetMs, maxAttempts: 1 },
        { modelId: route.inferenceProfileId, prompt: o.prompt, maxTokens: o.maxTokens, stream: o.stream === true, onText },
      );
      attempts.push({ via: 'platform', ok: true, endpoint, region: route.region });
      await ctx.store().update((_d, tx) => {
        tx.audit({ type: 'fallback-completed', user: ctx.user, workspace: ws.name, details: { conversation, ok: true, platformEndpoint: endpoint, region: route.region, model: route.modelId, inputTokens: r.inputTokens, outputTokens: r.outputTokens } });
      });
      return done(ctx, o, ws, route, conversation, r, attempts, decision);
    } catch (e) {
      const f2 = toAwsFailure(e);
      attempts.push({ via: 'platform', ok: false, endpoint, region: route.region, error: { code: f2.code ?? null, status: f2.status ?? null, message: f2.message ?? null, category: f2.category } });
      await ctx.store().update((_d, tx) => {
        tx.audit({ type: 'fallback-completed', user: ctx.user, workspace: ws.name, details: { conversation, ok: false, platformEndpoint: endpoint, region: route.region, model: route.modelId, errorCode: f2.code ?? null, inputTokens: null, outputTokens: null } });
      }).catch(() => undefined);
      return failed(ctx, ws, route, conversation, attempts, decision, failure, refusalHint);
    }
  }
  return failed(ctx, ws, route, conversation, attempts, decision, failure, refusalHint);
}

function routeJson(route: Route) {
  return { model: route.model, modelId: route.modelId, inferenceProfileId: route.inferenceProfileId, region: route.region, geography: route.geography, reason: route.reason };
}

function done(ctx: Context, o: InvokeOptions, ws: Workspace, route: Route, conversation: string, r: { text: string; stopReason: string | null; inputTokens: number | null; outputTokens: number | null }, attempts: Attempt[], decision: FallbackDecision | null): Output {
  const fellBack = attempts.some((a) => a.via === 'platform' && a.ok);
  const status = [
    `${ctx.chalk.dim('route:')} ${route.modelName} via ${route.inferenceProfileId} from ${route.region} — ${route.reason}`,
    fellBack
      ? mark.warn(ctx, `BYOK failed (${attempts[0]?.error?.code ?? attempts[0]?.error?.category}); served by platform credentials in ${route.region} under the ${ws.policy} policy. Audit event written.${ws.policy === 'warn' ? ' The next session must re-confirm: byok policy confirm' : ''}`)
      : mark.ok(ctx, `served by BYOK (${r.inputTokens ?? '?'} in / ${r.outputTokens ?? '?'} out tokens)`),
  ];
  return {
    json: { ok: true, workspace: ws.name, conversation, servedBy: fellBack ? 'platform' : 'byok', route: routeJson(route), text: r.text, stopReason: r.stopReason, usage: { inputTokens: r.inputTokens, outputTokens: r.outputTokens }, attempts, fallback: decision ? decisionJson(decision) : null },
    lines: o.stream ? [''] : [r.text],
    status,
    exitCode: EXIT.ok,
  };
}

/** What happened to the fallback: its own cause when the platform failed too, and what warn now requires. */
function fallbackLines(ws: Workspace, attempts: Attempt[], decision: FallbackDecision): string[] {
  if (decision.decision !== 'fallback') return ['  fallback: not allowed'];
  const p = attempts.find((a) => a.via === 'platform' && !a.ok);
  const cause = p?.error ? `${oneLine(p.error.code ?? (p.error.status !== null ? `HTTP ${p.error.status}` : 'error'))} (${p.error.category})${p.error.message ? ` — ${oneLine(p.error.message)}` : ''}` : 'no answer';
  return [
    `  fallback: attempted on platform credentials in ${p?.region ?? '?'} (${p?.endpoint ?? 'platform endpoint'}) and failed: ${cause}`,
    ...(ws.policy === 'warn' && decision.requiresConfirmation ? ['  Under the warn policy this fallback still counts: re-confirmation is now required before the next session (byok policy confirm).'] : []),
  ];
}

function failed(ctx: Context, ws: Workspace, route: Route, conversation: string, attempts: Attempt[], decision: FallbackDecision, failure: { code?: string; category: ErrorCategory; message?: string }, refusalHint?: string): Output {
  const byok = attempts[0]?.error;
  // An AccessDenied on a model outside the geography: AWS routed the profile outside it. Never the
  // IAM steps ("grant the model in every destination region"): byok refuses, and says the choices.
  const deniedOn = failure.category === 'iam-permission' && ws.geography ? parseAccessDenied(failure.message)?.resource ?? null : null;
  const outside = deniedOn && ws.geography ? arnOutsideGeography(ws.geography, deniedOn) : null;
  const residency = outside !== null && ws.geography ? `AWS routed ${route.inferenceProfileId} from ${route.region} outside ${geographyName(ws.geography)} and denied the model there. ${residencyChoices(ws.geography)}` : null;
  // The product document's steps for this failure (never a platform retry that hides a broken setup).
  const hint = refusalHint ?? residency ?? troubleshoot(problemFor(failure)).steps.join(' ');
  const status = [
    `${ctx.chalk.dim('route:')} ${route.modelName} via ${route.inferenceProfileId} from ${route.region}`,
    mark.fail(ctx, `BYOK call failed: ${oneLine(failure.code ?? 'error')} (${failure.category})${failure.message ? ` — ${oneLine(failure.message)}` : ''}`),
    ...(hint ? [`  ${ctx.chalk.dim('hint:')} ${oneLine(hint)}`] : []),
    ...fallbackLines(ws, attempts, decision),
    ...decision.reasons.map((r) => `  - ${oneLine(r)}`),
  ];
  return {
    json: { ok: false, workspace: ws.name, conversation, servedBy: null, route: routeJson(route), error: byok ? { ...byok, hint } : null, attempts, fallback: decisionJson(decision) },
    status,
    exitCode: REFUSED_CATEGORIES.includes(failure.category) ? EXIT.awsRefused : EXIT.checkFailed,
  };
}

/** `byok invoke -`: the prompt is stdin, as Unix tools read `-` (bounded; one trailing newline dropped). */
async function promptFromStdin(ctx: Context): Promise<string> {
  const limit = 1024 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.io.stdin as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) throw new UsageError('prompt-too-large', 'The prompt on stdin is larger than 1 MiB.', 'Send a shorter prompt.');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerInvoke(program: Command, ctx: Context, sink: ExitSink): void {
  program
    .command('invoke')
    .description('send one request through routing, the fallback policy and the audit log')
    .argument('<prompt>', 'the prompt text, or - to read it from stdin')
    .option('--task <task>', 'kind of work, for automatic model selection (see byok route)')
    .option('--model <model>', 'force sonnet|opus', choiceParser('model', ['sonnet', 'opus'] as const))
    .option('--operation-kind <kind>', 'read|write (for the fallback rules)', choiceParser('operation kind', ['read', 'write'] as const), 'read')
    .option('--fallback-eligible', 'this write is explicitly marked fallback-eligible')
    .option('--autonomous', 'an autonomous agent action')
    .option('--environment <env>', 'production|staging|development', choiceParser('environment', ['production', 'staging', 'development'] as const))
    .option('--conversation <id>', 'conversation ID for the audit log')
    .option('--stream', 'stream the reply (ConverseStream)')
    .option('--max-tokens <n>', 'maximum output tokens', intParser('--max-tokens', 1, 64_000), 512)
    .action(async (prompt: string, o: Omit<InvokeOptions, 'prompt'>) => sink.set(emit(ctx, await runInvoke({ ...o, prompt: prompt === '-' ? await promptFromStdin(ctx) : prompt }, ctx))));
}
