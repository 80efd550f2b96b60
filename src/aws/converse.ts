// One real inference request (byok invoke): Converse, or ConverseStream with text as it arrives.
import type { ClientOptions } from './clients.js';
import type { Env } from '../core/env.js';
import { runtimeClient } from './clients.js';
import { readConverseStream } from './runtime.js';

export interface ConverseResult {
  text: string;
  stopReason: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  attempts: number;
}

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
    const read = await readConverseStream(r, req.onText);
    return { ...read, attempts: r.$metadata.attempts ?? 1 };
  } finally {
    client.destroy();
  }
}
