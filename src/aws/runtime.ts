// Bedrock Runtime: the one-token probes through a routed inference profile. Converse needs
// bedrock:InvokeModel, ConverseStream bedrock:InvokeModelWithResponseStream (reference §3.1), so
// the pair proves both actions of the least-privilege policy.
import type { Env } from '../core/env.js';
import { runtimeClient, type ClientOptions } from './clients.js';

export type RuntimeClient = Awaited<ReturnType<typeof runtimeClient>>;

export async function openRuntime(env: Env, o: ClientOptions): Promise<RuntimeClient> {
  return runtimeClient(env, o);
}

export interface ProbeResult {
  stopReason: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  /** SDK attempts, so a check can say it succeeded only after a retry. */
  attempts: number;
}

const PROBE_TEXT = 'Reply with one word: ok';

/** Converse, maxTokens 1. */
export async function probeConverse(client: RuntimeClient, modelId: string): Promise<ProbeResult> {
  const { ConverseCommand } = await import('@aws-sdk/client-bedrock-runtime');
  const r = await client.send(
    new ConverseCommand({ modelId, messages: [{ role: 'user', content: [{ text: PROBE_TEXT }] }], inferenceConfig: { maxTokens: 1 } }),
  );
  return { stopReason: r.stopReason ?? null, inputTokens: r.usage?.inputTokens ?? null, outputTokens: r.usage?.outputTokens ?? null, attempts: r.$metadata.attempts ?? 1 };
}

/** An exception that arrived as a stream event (lower-camel member names, reference §4.3 / §5.1). */
export class StreamEventError extends Error {
  readonly code: string;
  constructor(member: string, message: string) {
    super(message);
    // throttlingException → ThrottlingException, the name classification knows.
    this.code = member.charAt(0).toUpperCase() + member.slice(1);
    this.name = this.code;
  }
}

const STREAM_ERRORS = ['internalServerException', 'modelStreamErrorException', 'validationException', 'throttlingException', 'serviceUnavailableException'] as const;

type ConverseStreamOutput = import('@aws-sdk/client-bedrock-runtime').ConverseStreamCommandOutput;

export interface StreamRead {
  text: string;
  stopReason: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
}

/**
 * Reads a ConverseStream response to its end: text as it arrives, the stop reason and usage. An
 * exception event, or a stream that ends before messageStop, is thrown as a StreamEventError so
 * it is classified like any other AWS error.
 */
export async function readConverseStream(r: ConverseStreamOutput, onText?: (t: string) => void): Promise<StreamRead> {
  const out: StreamRead = { text: '', stopReason: null, inputTokens: null, outputTokens: null };
  let sawStop = false;
  for await (const ev of r.stream ?? []) {
    const e = ev as unknown as Record<string, unknown>;
    for (const member of STREAM_ERRORS) {
      const x = e[member] as { message?: string } | undefined;
      if (x) throw new StreamEventError(member, x.message ?? member);
    }
    const delta = ev.contentBlockDelta?.delta?.text;
    if (delta) {
      out.text += delta;
      onText?.(delta);
    }
    if (ev.messageStop) {
      sawStop = true;
      out.stopReason = ev.messageStop.stopReason ?? null;
    }
    if (ev.metadata) {
      out.inputTokens = ev.metadata.usage?.inputTokens ?? null;
      out.outputTokens = ev.metadata.usage?.outputTokens ?? null;
    }
  }
  if (!sawStop) throw new StreamEventError('modelStreamErrorException', 'The response stream ended before messageStop.');
  return out;
}

/** ConverseStream, maxTokens 1, read to the end: an error mid-stream is a failed probe. */
export async function probeConverseStream(client: RuntimeClient, modelId: string): Promise<ProbeResult> {
  const { ConverseStreamCommand } = await import('@aws-sdk/client-bedrock-runtime');
  const r = await client.send(
    new ConverseStreamCommand({ modelId, messages: [{ role: 'user', content: [{ text: PROBE_TEXT }] }], inferenceConfig: { maxTokens: 1 } }),
  );
  const { stopReason, inputTokens, outputTokens } = await readConverseStream(r);
  return { stopReason, inputTokens, outputTokens, attempts: r.$metadata.attempts ?? 1 };
}
