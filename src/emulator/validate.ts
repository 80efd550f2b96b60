// Request validation as the AWS services do it (issue 11 §4): the API models' constraints (botocore
// 1.43.11 service-2.json: lengths, patterns, ranges) in AWS's "N validation error(s) detected" form,
// and Bedrock Runtime's own checks of a conversation, each with the text AWS sends (sources per rule;
// UNCONFIRMED where no public quote of AWS's answer was found).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AwsError } from './errors.js';

/**
 * One failed constraint, in the framework's wording. Quoted from AWS's answers:
 * - "1 validation error detected: Value '20' at 'durationSeconds' failed to satisfy constraint: Member
 *   must have value greater than or equal to 900" (STS, Error Code: ValidationError, 400: apache/hadoop
 *   hadoop-aws assumed_roles.md, "duration_too_low");
 * - "... Value '100000' at 'maxItems' failed to satisfy constraint: Member must have value less than or
 *   equal to 1000" (IAM ListPolicies, quoted in a public AWS-SDK-for-JS script);
 * - "... Value '32424.0' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have
 *   value less than or equal to 1" (Bedrock Converse, quoted in public test fixtures);
 * - "... Value null at 'policyName' failed to satisfy constraint: Member must not be null" (IAM);
 * - the pattern form "Member must satisfy regular expression pattern: P" (Bedrock modelId: corpus e025).
 * The length form ("Member must have length less than or equal to N") is the same framework's
 * (UNCONFIRMED for these exact fields).
 */
export type Rule =
  | { kind: 'null' }
  | { kind: 'min'; n: number }
  | { kind: 'max'; n: number }
  | { kind: 'minLength'; n: number }
  | { kind: 'maxLength'; n: number }
  | { kind: 'pattern'; pattern: string }
  | { kind: 'enum'; values: readonly string[] };

export function violation(field: string, value: string | null, rule: Rule): string {
  const v = value === null ? 'Value null' : `Value '${value}'`;
  const what = (() => {
    switch (rule.kind) {
      case 'null': return 'Member must not be null';
      case 'min': return `Member must have value greater than or equal to ${rule.n}`;
      case 'max': return `Member must have value less than or equal to ${rule.n}`;
      case 'minLength': return `Member must have length greater than or equal to ${rule.n}`;
      case 'maxLength': return `Member must have length less than or equal to ${rule.n}`;
      case 'pattern': return `Member must satisfy regular expression pattern: ${rule.pattern}`;
      case 'enum': return `Member must satisfy enum value set: [${rule.values.join(', ')}]`;
    }
  })();
  return `${v} at '${field}' failed to satisfy constraint: ${what}`;
}

/** "1 validation error detected: A" / "2 validation errors detected: A; B" (the framework's join). */
export function validationMessage(violations: string[]): string {
  return `${violations.length} validation error${violations.length === 1 ? '' : 's'} detected: ${violations.join('; ')}`;
}

/** A string member checked against its API-model shape; returns the violations (empty: valid). */
export function checkString(field: string, value: string | null, shape: { min?: number; max?: number; pattern?: string }, required = false): string[] {
  if (value === null) return required ? [violation(field, null, { kind: 'null' })] : [];
  const out: string[] = [];
  if (shape.min !== undefined && value.length < shape.min) out.push(violation(field, value, { kind: 'minLength', n: shape.min }));
  if (shape.max !== undefined && value.length > shape.max) out.push(violation(field, value, { kind: 'maxLength', n: shape.max }));
  // API-model patterns are matched against the whole value.
  if (shape.pattern !== undefined && value.length > 0 && !new RegExp(`^(?:${shape.pattern})$`, 'u').test(value)) out.push(violation(field, value, { kind: 'pattern', pattern: shape.pattern }));
  return out;
}

/** An integer member against its range; a value that is no integer is reported as the framework reports it (UNCONFIRMED wording). */
export function checkInt(field: string, raw: string | null, range: { min?: number; max?: number }): { value: number | undefined; violations: string[] } {
  if (raw === null) return { value: undefined, violations: [] };
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n)) return { value: undefined, violations: [`Value '${raw}' at '${field}' failed to satisfy constraint: Member must be a valid integer`] };
  const out: string[] = [];
  if (range.min !== undefined && n < range.min) out.push(violation(field, raw, { kind: 'min', n: range.min }));
  if (range.max !== undefined && n > range.max) out.push(violation(field, raw, { kind: 'max', n: range.max }));
  return { value: n, violations: out };
}

/** Throws the protocol's validation error when any constraint failed. */
export function throwIfInvalid(violations: string[], code: 'ValidationError' | 'ValidationException'): void {
  if (violations.length > 0) throw new AwsError(code, validationMessage(violations));
}

/** A float as Java prints it in these messages ("1.5", "2.0", "32424.0"). */
export function javaFloat(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

// ---------------------------------------------------------------- pagination tokens

// Opaque to the caller (IAM Marker, Bedrock nextToken), signed by this emulator so that it honours
// only a token it issued, for the same listing (operation, account, user, region...).
const TOKEN_KEY = randomBytes(32);
const mac = (body: string) => createHmac('sha256', TOKEN_KEY).update(body).digest();

export function issueToken(listing: Record<string, string>, offset: number): string {
  const body = Buffer.from(JSON.stringify({ listing, offset })).toString('base64url');
  return `${body}.${mac(body).toString('base64url')}`;
}

/** The offset a token carries, or null when this emulator did not issue it for this listing. */
export function readToken(token: string, listing: Record<string, string>): number | null {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined) return null;
  const got = Buffer.from(sig, 'base64url');
  const want = mac(body);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
  const s = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { listing: Record<string, string>; offset: number };
  const keys = Object.keys(listing);
  if (keys.length !== Object.keys(s.listing).length || keys.some((k) => s.listing[k] !== listing[k])) return null;
  return s.offset;
}

// ---------------------------------------------------------------- IAM shapes (botocore iam service-2.json)

export const IAM_SHAPES = {
  userNameType: { min: 1, max: 64, pattern: '[\\w+=,.@-]+' },
  existingUserNameType: { min: 1, max: 128, pattern: '[\\w+=,.@-]+' },
  policyNameType: { min: 1, max: 128, pattern: '[\\w+=,.@-]+' },
  pathType: { min: 1, max: 512, pattern: '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)' },
  policyPathType: { min: 1, max: 512, pattern: '((/[A-Za-z0-9\\.,\\+@=_-]+)*)/' },
  policyDescriptionType: { max: 1000 },
  markerType: { min: 1, max: 320, pattern: '[\\u0020-\\u00FF]+' },
  arnType: { min: 20, max: 2048 },
  maxItemsType: { min: 1, max: 1000 },
} as const;

// ---------------------------------------------------------------- Bedrock Runtime model identifiers

/**
 * The modelId path member of the runtime operations (botocore 1.43.11 bedrock-runtime 2023-09-30
 * service-2.json: InvokeModelIdentifier for InvokeModel and InvokeModelWithResponseStream,
 * ConversationalModelId for Converse and ConverseStream). A value outside them is refused in the
 * framework form corpus e025 quotes (an older version of the same pattern). That this check comes
 * before authorization, as other framework validation does, is UNCONFIRMED.
 */
export const RUNTIME_MODEL_ID_SHAPES = {
  InvokeModelIdentifier: { min: 1, max: 2048, pattern: '(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(([0-9]{12}:custom-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}/[a-z0-9]{12})|(:foundation-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63}))|([0-9]{12}:imported-model/[a-z0-9]{12})|([0-9]{12}:provisioned-model/[a-z0-9]{12})|([0-9]{12}:custom-model-deployment/[a-z0-9]{12})|([0-9]{12}:(inference-profile|application-inference-profile)/[a-zA-Z0-9-:.]+)))|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63}))|(([0-9a-zA-Z][_-]?)+)|([a-zA-Z0-9-:.]+)$|(^(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:prompt/[0-9a-zA-Z]{10}(?::[0-9]{1,5})?))$|(^arn:aws:sagemaker:[a-z0-9-]+:[0-9]{12}:endpoint/[a-zA-Z0-9-]+$)|(^arn:aws(-[^:]+)?:bedrock:([0-9a-z-]{1,20}):([0-9]{12}):(default-)?prompt-router/[a-zA-Z0-9-:.]+$)' },
  ConversationalModelId: { min: 1, max: 2048, pattern: '(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(([0-9]{12}:custom-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}/[a-z0-9]{12})|(:foundation-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63}))|([0-9]{12}:imported-model/[a-z0-9]{12})|([0-9]{12}:provisioned-model/[a-z0-9]{12})|([0-9]{12}:custom-model-deployment/[a-z0-9]{12})|([0-9]{12}:(inference-profile|application-inference-profile)/[a-zA-Z0-9-:.]+)))|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63}))|(([0-9a-zA-Z][_-]?)+)|([a-zA-Z0-9-:.]+)|(^(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:prompt/[0-9a-zA-Z]{10}(?::[0-9]{1,5})?))$|(^arn:aws:sagemaker:[a-z0-9-]+:[0-9]{12}:endpoint/[a-zA-Z0-9-]+$)|(^arn:aws(-[^:]+)?:bedrock:([0-9a-z-]{1,20}):([0-9]{12}):(default-)?prompt-router/[a-zA-Z0-9-:.]+$)' },
} as const;

// ---------------------------------------------------------------- Bedrock Runtime bodies

/**
 * Output-token limit of each served model: 64,000 for Claude Sonnet 4.5 and Claude Opus 4.5
 * (Anthropic's models overview, "Max output"; the Bedrock figure itself is UNCONFIRMED). Context
 * window: 200,000 tokens for both (same page).
 */
export const MODEL_LIMITS = { maxOutputTokens: 64_000, contextWindow: 200_000 } as const;

/** The emulator's token estimate: about four characters per token (as the replies it makes count them). */
export const estimateTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4)) + 8;

export const RUNTIME_MESSAGES = {
  /** Quoted from AWS in public code (e.g. a Rust SDK error dump of a Converse call); the same text for an empty list is UNCONFIRMED. */
  startWithUser: 'A conversation must start with a user message. Try again with a conversation that starts with a user message.',
  /** corpus e058/e059 (langchain-ai/langchainjs#6724, MadcowD/ell#369). */
  alternate: 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
  /** earendil-works/pi#3443 (Bedrock Converse). */
  emptyContent: (i: number) => `The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`,
  /** langchain-ai/langchain-aws#403 (AWS CLI converse output), aws/bedrock-agentcore-sdk-python#185, continuedev/continue#9767. */
  blankText: (i: number, j: number) => `The text field in the ContentBlock object at messages.${i}.content.${j} is blank. Add text to the text field, and try again.`,
  /** sigoden/aichat#813 ("…model limit of 4096…"); "…lower than 64000." quoted in a public test fixture. */
  maxTokensOverLimit: (n: number) => `The maximum tokens you requested exceeds the model limit of ${n}. Try again with a maximum tokens value that is lower than ${n}.`,
  /** continuedev/continue#9592 (Claude Opus 4.5 on Bedrock, Converse). */
  converseTooLong: 'The model returned the following errors: Input is too long for requested model.',
  /** anthropics/claude-code#760 (Bedrock, InvokeModelWithResponseStream); corpus e062. */
  invokeTooLong: 'Input is too long for requested model.',
  /** langchain-ai/langchain-aws#590 (InvokeModelWithResponseStream). */
  invokeBlankText: 'messages: text content blocks must contain non-whitespace text',
  /** boto/boto3#4218 ("Invalid API version: claude-3-sonnet-20240229-v1:0"). */
  invalidApiVersion: (v: string) => `Invalid API version: ${v}`,
  /**
   * The JSON-schema check of an InvokeModel body: "Malformed input request: #: required key [max_tokens]
   * not found#: required key [anthropic_version] not found#: extraneous key [toolConfig] is not
   * permitted, please reformat your input and try again." (quoted from AWS in public repos; corpus
   * e138–e140: fumito-ito/AnthropicSwiftSDK#19, aws-samples/serverless-pdf-chat#35).
   */
  malformedInput: (problems: string[]) => `Malformed input request: ${problems.map((p) => `#: ${p}`).join('')}, please reformat your input and try again.`,
  /**
   * Claude 4.5 models take temperature or top_p, not both: "temperature and top_p cannot both be
   * specified for this model. Please use only one." (a Bedrock ValidationException quoted in public
   * code; mem0ai/mem0#4147, aws-samples/failure-analysis-assistant#25 report it for Converse). That
   * Converse sends it without a "The model returned the following errors:" prefix is UNCONFIRMED.
   */
  temperatureAndTopP: 'temperature and top_p cannot both be specified for this model. Please use only one.',
  /** A body that is not JSON at all: UNCONFIRMED (the schema check's wording without a key). */
  invokeNotJson: 'Malformed input request, please reformat your input and try again.',
  /**
   * Anthropic's own limit message (Anthropic API: "max_tokens: 1000000000 > 64000, which is the maximum
   * allowed number of output tokens for claude-sonnet-4-5-20250929", quoted in a public test); that
   * Bedrock's InvokeModel passes it through verbatim is UNCONFIRMED.
   */
  invokeMaxTokens: (n: number, limit: number, model: string) => `max_tokens: ${n} > ${limit}, which is the maximum allowed number of output tokens for ${model}`,
} as const;

/** The only anthropic_version Bedrock documents for the Messages API (model-parameters-anthropic-claude-messages). */
export const ANTHROPIC_VERSION = 'bedrock-2023-05-31';
/**
 * The API versions accepted in the body. Besides the documented one: Anthropic's own Bedrock SDK
 * (@anthropic-ai/bedrock-sdk 1.0.0, CHANGELOG "add support for new API version 2026-10-21") puts the
 * client's `anthropic-version` header, 2026-10-21, into the body it sends to Bedrock, which its
 * authors ship for Bedrock. UNCONFIRMED: which other dated versions Bedrock accepts.
 */
export const ANTHROPIC_VERSIONS: readonly string[] = [ANTHROPIC_VERSION, '2026-10-21'];

/**
 * Keys AWS's schema refused in InvokeModel bodies, each seen refused in a quoted answer ("extraneous
 * key [K] is not permitted"): model and stream (corpus e139), inferenceConfig and toolConfig (a
 * Converse body sent to InvokeModel, quoted in public repos), textGenerationConfig (e140),
 * response_mime_type (e138). AWS refuses any key its schema lacks; the emulator names only these,
 * because the keys it allows grow with each model (a full allow-list would refuse valid bodies).
 */
export const EXTRANEOUS_INVOKE_KEYS = ['model', 'stream', 'inferenceConfig', 'toolConfig', 'textGenerationConfig', 'response_mime_type'] as const;

export interface ChatInput { text: string; maxTokens: number }

type Block = { text?: unknown } & Record<string, unknown>;
type Msg = { role?: unknown; content?: unknown };

/** Converse / ConverseStream: the body as Bedrock checks it (framework constraints, then the conversation). */
export function readConverse(body: Buffer): ChatInput {
  let v: { messages?: unknown; inferenceConfig?: { maxTokens?: unknown; temperature?: unknown; topP?: unknown }; system?: unknown };
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8') || '{}');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    v = parsed as typeof v;
  } catch {
    // A REST-JSON body that does not parse: the AWS framework answers SerializationException, 400
    // (UNCONFIRMED for Bedrock Runtime: no quoted answer found; no SDK can send such a body).
    throw new AwsError('SerializationException');
  }
  const violations: string[] = [];
  const ic = v.inferenceConfig ?? {};
  const num = (x: unknown) => (typeof x === 'number' ? x : undefined);
  const maxTokens = num(ic.maxTokens);
  if (maxTokens !== undefined && maxTokens < 1) violations.push(violation('inferenceConfig.maxTokens', String(maxTokens), { kind: 'min', n: 1 }));
  for (const [k, x] of [['temperature', num(ic.temperature)], ['topP', num(ic.topP)]] as const) {
    if (x === undefined) continue;
    if (x < 0) violations.push(violation(`inferenceConfig.${k}`, javaFloat(x), { kind: 'min', n: 0 }));
    if (x > 1) violations.push(violation(`inferenceConfig.${k}`, javaFloat(x), { kind: 'max', n: 1 }));
  }
  const messages = Array.isArray(v.messages) ? (v.messages as Msg[]) : [];
  messages.forEach((m, i) => {
    if (m.role !== 'user' && m.role !== 'assistant') violations.push(violation(`messages.${i + 1}.member.role`, m.role === undefined ? null : String(m.role), m.role === undefined ? { kind: 'null' } : { kind: 'enum', values: ['user', 'assistant'] }));
    if (!Array.isArray(m.content)) violations.push(violation(`messages.${i + 1}.member.content`, null, { kind: 'null' }));
  });
  throwIfInvalid(violations, 'ValidationException');
  // Then Bedrock's own checks of the conversation, in the order a conversation is read.
  if (messages.length === 0 || messages[0]!.role !== 'user') throw new AwsError('ValidationException', RUNTIME_MESSAGES.startWithUser);
  for (let i = 1; i < messages.length; i++) if (messages[i]!.role === messages[i - 1]!.role) throw new AwsError('ValidationException', RUNTIME_MESSAGES.alternate);
  const texts: string[] = [];
  messages.forEach((m, i) => {
    const content = m.content as Block[];
    if (content.length === 0) throw new AwsError('ValidationException', RUNTIME_MESSAGES.emptyContent(i));
    content.forEach((c, j) => {
      if (typeof c.text === 'string') {
        if (c.text.trim() === '') throw new AwsError('ValidationException', RUNTIME_MESSAGES.blankText(i, j));
        texts.push(c.text);
      }
    });
  });
  if (maxTokens !== undefined && maxTokens > MODEL_LIMITS.maxOutputTokens) throw new AwsError('ValidationException', RUNTIME_MESSAGES.maxTokensOverLimit(MODEL_LIMITS.maxOutputTokens));
  if (num(ic.temperature) !== undefined && num(ic.topP) !== undefined) throw new AwsError('ValidationException', RUNTIME_MESSAGES.temperatureAndTopP);
  const systemText = Array.isArray(v.system) ? (v.system as Block[]).map((s) => (typeof s.text === 'string' ? s.text : '')).join('\n') : '';
  const text = texts.join('\n');
  if (estimateTokens(`${systemText}${text}`) > MODEL_LIMITS.contextWindow) throw new AwsError('ValidationException', RUNTIME_MESSAGES.converseTooLong);
  return { text, maxTokens: maxTokens ?? 4096 };
}

/** InvokeModel / InvokeModelWithResponseStream with an Anthropic Messages body (model-parameters-anthropic-claude-messages). */
export function readInvoke(body: Buffer, anthropicModel: string): ChatInput {
  let v: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    v = parsed as Record<string, unknown>;
  } catch {
    throw new AwsError('ValidationException', RUNTIME_MESSAGES.invokeNotJson);
  }
  // The schema's findings, in the order AWS lists them: required keys (messages UNCONFIRMED), then extraneous ones.
  const problems: string[] = [];
  for (const k of ['messages', 'max_tokens', 'anthropic_version']) if (!(k in v)) problems.push(`required key [${k}] not found`);
  for (const k of EXTRANEOUS_INVOKE_KEYS) if (k in v) problems.push(`extraneous key [${k}] is not permitted`);
  if (problems.length > 0) throw new AwsError('ValidationException', RUNTIME_MESSAGES.malformedInput(problems));
  if (!ANTHROPIC_VERSIONS.includes(String(v.anthropic_version))) throw new AwsError('ValidationException', RUNTIME_MESSAGES.invalidApiVersion(String(v.anthropic_version)));
  const maxTokens = v.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || !Array.isArray(v.messages)) throw new AwsError('ValidationException', RUNTIME_MESSAGES.invokeNotJson);
  if (maxTokens > MODEL_LIMITS.maxOutputTokens) throw new AwsError('ValidationException', RUNTIME_MESSAGES.invokeMaxTokens(maxTokens, MODEL_LIMITS.maxOutputTokens, anthropicModel));
  if (v.temperature !== undefined && v.top_p !== undefined) throw new AwsError('ValidationException', RUNTIME_MESSAGES.temperatureAndTopP);
  const texts: string[] = [];
  for (const m of v.messages as Msg[]) {
    const blocks = typeof m.content === 'string' ? [{ text: m.content }] : Array.isArray(m.content) ? (m.content as Block[]) : [];
    for (const b of blocks) {
      if (typeof b.text !== 'string') continue;
      if (b.text.trim() === '') throw new AwsError('ValidationException', RUNTIME_MESSAGES.invokeBlankText);
      texts.push(b.text);
    }
  }
  const system = typeof v.system === 'string' ? v.system : Array.isArray(v.system) ? (v.system as Block[]).map((s) => (typeof s.text === 'string' ? s.text : '')).join('\n') : '';
  const text = texts.join('\n');
  if (estimateTokens(`${system}${text}`) > MODEL_LIMITS.contextWindow) throw new AwsError('ValidationException', RUNTIME_MESSAGES.invokeTooLong);
  return { text, maxTokens };
}
