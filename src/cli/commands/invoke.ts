// byok invoke: one real request through routing, the fallback policy and the audit log
// (DESIGN §4.3). The engine is app/invoke.ts; this file parses the flags, asks for warn's
// re-confirmation where a person can answer, and renders what happened.
import { oneLine } from '../terminal.js';
import type { Command } from 'commander';
import type { Workspace } from '../../core/config-doc.js';
import { EXIT, UsageError } from '../../core/errors.js';
import type { FallbackDecision } from '../../core/fallback.js';
import type { ModelKey } from '../../core/geography.js';
import type { Route } from '../../core/routing.js';
import { REFUSED_CATEGORIES } from '../../core/error-classes.js';
import type { Attempt, EngineOutcome, InvokeReply } from '../../app/invoke.js';
import type { Context } from '../context.js';
import { emit, mark, type Output } from '../output.js';
import { choiceParser, intParser } from './shared.js';
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

export async function runInvoke(o: InvokeOptions, ctx: Context): Promise<Output> {
  const { invoke, checkInvokeRequest } = await import('../../app/invoke.js');
  checkInvokeRequest(o);
  const confirm = ctx.canPrompt()
    ? async (why: string) => (await ctx.prompter()).confirm(`${why} Continue with BYOK (fallback stays under the warn policy)?`, { default: false, flag: 'byok policy confirm' })
    : undefined;
  const r = await invoke(ctx, {
    prompt: o.prompt,
    task: o.task,
    model: o.model,
    operation: { kind: o.operationKind, fallbackEligible: o.fallbackEligible, autonomous: o.autonomous, environment: o.environment },
    conversation: o.conversation,
    stream: o.stream,
    maxTokens: o.maxTokens,
    onText: o.stream && !ctx.flags.json ? (t: string) => ctx.io.stdout.write(t) : undefined,
    confirm,
  });
  return r.ok ? done(ctx, o, r) : failed(ctx, r);
}

function routeJson(route: Route) {
  return { model: route.model, modelId: route.modelId, inferenceProfileId: route.inferenceProfileId, region: route.region, geography: route.geography, reason: route.reason };
}

function done(ctx: Context, o: InvokeOptions, out: Extract<EngineOutcome<InvokeReply>, { ok: true }>): Output {
  const { workspace: ws, route, conversation, result: r, attempts, decision } = out;
  const fellBack = attempts.some((a) => a.via === 'platform' && a.ok);
  const status = [
    `${ctx.chalk.dim('route:')} ${route.modelName} via ${route.inferenceProfileId} from ${route.region} — ${route.reason}`,
    fellBack
      ? mark.warn(ctx, `${attempts[0]?.error?.local ? `BYOK call not made (${attempts[0].error.category}: the stored key had expired)` : `BYOK failed (${attempts[0]?.error?.code ?? attempts[0]?.error?.category})`}; served by platform credentials in ${route.region} under the ${ws.policy} policy. Audit event written.${ws.policy === 'warn' ? ' The next session must re-confirm: byok policy confirm' : ''}`)
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

function failed(ctx: Context, out: Extract<EngineOutcome<InvokeReply>, { ok: false }>): Output {
  const { workspace: ws, route, conversation, attempts, decision, failure, hint } = out;
  const byok = attempts[0]?.error;
  const status = [
    `${ctx.chalk.dim('route:')} ${route.modelName} via ${route.inferenceProfileId} from ${route.region}`,
    failure.local
      ? mark.fail(ctx, `BYOK call not made (${failure.category}): ${oneLine(failure.message ?? 'byok refused it before sending')}`)
      : mark.fail(ctx, `BYOK call failed: ${oneLine(failure.code ?? 'error')} (${failure.category})${failure.message ? ` — ${oneLine(failure.message)}` : ''}`),
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

export function registerInvoke(program: Command, ctx: Context): void {
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
    .action(async (prompt: string, o: Omit<InvokeOptions, 'prompt'>) => emit(ctx, await runInvoke({ ...o, prompt: prompt === '-' ? await promptFromStdin(ctx) : prompt }, ctx)));
}
