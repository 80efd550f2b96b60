// One real inference request (byok invoke): Converse, or ConverseStream with text as it arrives.
import type { ClientOptions } from './clients.js';
import type { Env } from '../cli/context.js';
import { runtimeClient } from './clients.js';
import { StreamEventError } from './runtime.js';

export interface ConverseResult {
  text: string;
  stopReason: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  attempts: number;
}

const STREAM_ERRORS = ['internalServerException', 'modelStreamErrorException', 'validationException', 'throttlingException', 'serviceUnavailableException'] as const;

export async function converse(
  env: Env,
  o: ClientOptions,
  req: { modelId: string; prompt: string; maxTokens: number; stream: boolean; onText?: (t: string) => void },
): Promise<ConverseResult> {
  const sdk = await import('@aws-sdk/client-bedrock-runtime');
  const client = await runtimeClient(env, o);
  const input = { modelId: req.modelId, messages: [{ role: 'user' as const, content: [{ text: req.prompt }] }], inferenceConfig: { maxTokens: req.maxTokens } };
  try {
    if (!req.stream) {
      const r = await client.send(new sdk.ConverseCommand(input));
      const text = (r.output?.message?.content ?? []).map((c) => c.text ?? '').join('');
      return { text, stopReason: r.stopReason ?? null, inputTokens: r.usage?.inputTokens ?? null, outputTokens: r.usage?.outputTokens ?? null, attempts: r.$metadata.attempts ?? 1 };
    }
    const r = await client.send(new sdk.ConverseStreamCommand(input));
    let text = '';
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
      const delta = ev.contentBlockDelta?.delta?.text;
      if (delta) {
        text += delta;
        req.onText?.(delta);
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
    return { text, stopReason, inputTokens, outputTokens, attempts: r.$metadata.attempts ?? 1 };
  } finally {
    client.destroy();
  }
}
