// Bedrock Runtime: the one-token probes through a routed inference profile. Converse needs
// bedrock:InvokeModel, ConverseStream bedrock:InvokeModelWithResponseStream (reference §3.1), so
// the pair proves both actions of the least-privilege policy.
import type { Env } from '../cli/context.js';
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

/** ConverseStream, maxTokens 1, read to the end: an error mid-stream is a failed probe. */
export async function probeConverseStream(client: RuntimeClient, modelId: string): Promise<ProbeResult> {
  const { ConverseStreamCommand } = await import('@aws-sdk/client-bedrock-runtime');
  const r = await client.send(
    new ConverseStreamCommand({ modelId, messages: [{ role: 'user', content: [{ text: PROBE_TEXT }] }], inferenceConfig: { maxTokens: 1 } }),
  );
  let stopReason: string | null = null;
  let inputTokens: number | null = null;
  let outputTokens: number | null = null;
  let sawStop = false;
  for await (const ev of r.stream ?? []) {
    const e = ev as unknown as Record<string, unknown>;
    for (const member of STREAM_ERRORS) {
      const x = e[member] as { message?: string } | undefined;
      if (x) throw new StreamEventError(member, x.message ?? member);
    }
    if (ev.messageStop) {
      sawStop = true;
      stopReason = ev.messageStop.stopReason ?? null;
    }
    if (ev.metadata) {
      inputTokens = ev.metadata.usage?.inputTokens ?? null;
      outputTokens = ev.metadata.usage?.outputTokens ?? null;
    }
  }
  if (!sawStop) throw new StreamEventError('modelStreamErrorException', 'The response stream ended before messageStop.');
  return { stopReason, inputTokens, outputTokens, attempts: r.$metadata.attempts ?? 1 };
}
