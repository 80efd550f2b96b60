// Bedrock control plane and Bedrock Runtime (REST-JSON, event streams) for the two Claude models
// through the inference profiles of reference aws.md §2, with the authorization of §3 and the
// per-account model access of §4.
import { EventStreamCodec } from '@smithy/eventstream-codec';
import type { Message } from '@smithy/types';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { ALL_COMMERCIAL, FOUNDATION_MODELS, globalProfileModelArns, PROFILES as PROFILE_ROWS, type EmuProfileRow } from './aws-data.js';
import { AwsError, AWS_MESSAGES } from './errors.js';
import { dict, type Account, type EmulatorState } from './state.js';
import type { EmuRequest, EmuResponse, Principal } from './types.js';
import { checkInt, checkString, issueToken, readConverse, readInvoke, readToken, RUNTIME_MODEL_ID_SHAPES, throwIfInvalid, violation, type ChatInput } from './validate.js';

export const codec = new EventStreamCodec(toUtf8, fromUtf8);

// The emulator's own view of AWS's profiles (./aws-data.ts, written from AWS's documentation);
// byok's routing table is compared with it by test/unit/emulator/aws-data.test.ts.
type EmuProfile = EmuProfileRow;
const PROFILES: readonly EmuProfile[] = PROFILE_ROWS;
const modelName = (id: string) => FOUNDATION_MODELS.find((m) => m.modelId === id)?.modelName ?? id;
const modelIdOf = (p: EmuProfile) => FOUNDATION_MODELS.find((m) => m.key === p.model)!.modelId;

/** IDs of the system-defined profiles the emulator serves (for the control API). */
export const PROFILE_IDS: readonly string[] = PROFILES.map((p) => p.id);

export const fmArn = (region: string, modelId: string) => `arn:aws:bedrock:${region}::foundation-model/${modelId}`;
const profileArn = (region: string, account: string, id: string) => `arn:aws:bedrock:${region}:${account}:inference-profile/${id}`;

function json(status: number, body: unknown, headers: Record<string, string> = {}): EmuResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export interface BedrockDeps {
  state: EmulatorState;
  /** Throws AccessDeniedException in AWS's wording unless every applicable policy allows (policy-eval.ts). */
  authorize(p: Principal, action: string, resource: string, context: Record<string, string>): void;
  /** The same evaluation, global condition keys included, as a yes or no. */
  allowed(p: Principal, action: string, resource: string, context: Record<string, string>): boolean;
}

/** Profile changes AWS makes over time, set through the control API: `${profileId}|${sourceRegion}` → destinations ([] = no longer a source). */
type ProfileOverrides = Record<string, string[]> | undefined;

/** Destinations from a source region: ['*'] = any commercial region; null = not a source region. */
function destinationsFor(p: EmuProfile, region: string, ov: ProfileOverrides): string[] | null {
  const o = ov?.[`${p.id}|${region}`];
  if (o) return o.length > 0 ? [...o] : null;
  const d = p.routes[region];
  if (d === undefined) return null;
  return d === ALL_COMMERCIAL ? ['*'] : [...d];
}

function profileModels(p: EmuProfile, region: string, ov: ProfileOverrides): { modelArn: string }[] {
  const d = destinationsFor(p, region, ov) ?? [];
  // A global profile lists the region-less FM ARN and the source region's (aws-data.ts cites the outputs).
  if (d.includes('*')) return globalProfileModelArns(region, modelIdOf(p)).map((modelArn) => ({ modelArn }));
  return d.map((r) => ({ modelArn: fmArn(r, modelIdOf(p)) }));
}

const joinRegions = (rs: string[]) => (rs.length <= 1 ? rs.join('') : `${rs.slice(0, -1).join(', ')} and ${rs[rs.length - 1]}`);

function summary(p: EmuProfile, region: string, account: string, ov: ProfileOverrides) {
  return {
    inferenceProfileName: p.name,
    description: (() => {
      const d = destinationsFor(p, region, ov) ?? [];
      return d.includes('*') ? `Routes requests to ${p.descriptionModel} globally across all supported AWS Regions.` : `Routes requests to ${p.descriptionModel} in ${joinRegions([...d].sort())}.`;
    })(),
    createdAt: '2025-11-24T00:00:00Z',
    updatedAt: '2025-11-24T00:00:00Z',
    inferenceProfileArn: profileArn(region, account, p.id),
    models: profileModels(p, region, ov),
    inferenceProfileId: p.id,
    status: 'ACTIVE',
    type: 'SYSTEM_DEFINED',
  };
}

function modelSummary(m: (typeof FOUNDATION_MODELS)[number], region: string) {
  return {
    modelArn: fmArn(region, m.modelId),
    modelId: m.modelId,
    modelName: m.modelName,
    providerName: 'Anthropic',
    inputModalities: ['TEXT', 'IMAGE'],
    outputModalities: ['TEXT'],
    responseStreamingSupported: true,
    customizationsSupported: [],
    inferenceTypesSupported: ['INFERENCE_PROFILE'],
    modelLifecycle: { status: 'ACTIVE' },
  };
}

const decodeSeg = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** The control-plane operation a request names, as AWS spells it (the API model's HTTP bindings); null: no such route. */
export function bedrockOperation(method: string, path: string): string | null {
  const segs = path.split('?')[0]!.split('/').filter(Boolean);
  const [a, b] = segs;
  if (method === 'GET' && a === 'foundation-models') return segs.length === 1 ? 'ListFoundationModels' : segs.length === 2 ? 'GetFoundationModel' : null;
  if (method === 'GET' && a === 'foundation-model-availability' && b !== undefined && segs.length === 2) return 'GetFoundationModelAvailability';
  if (method === 'GET' && a === 'inference-profiles') return segs.length === 1 ? 'ListInferenceProfiles' : 'GetInferenceProfile';
  if (a === 'use-case-for-model-access' && segs.length === 1) return method === 'GET' ? 'GetUseCaseForModelAccess' : method === 'POST' ? 'PutUseCaseForModelAccess' : null;
  return null;
}

export async function handleBedrock(req: EmuRequest, deps: BedrockDeps): Promise<EmuResponse> {
  const { principal: p, region } = req;
  const account = deps.state.data.accounts[p.accountId]!;
  const ov = deps.state.data.profileOverrides;
  const segs = req.path.split('/').filter(Boolean).map(decodeSeg);
  const any = (action: string) => deps.authorize(p, action, '*', { 'aws:RequestedRegion': region });
  if (req.method === 'GET' && segs[0] === 'foundation-models' && segs.length === 1) {
    any('bedrock:ListFoundationModels');
    const provider = req.query.get('byProvider');
    const inferenceType = req.query.get('byInferenceType');
    const outputModality = req.query.get('byOutputModality');
    const customization = req.query.get('byCustomizationType');
    // The filters' constraints (API model ListFoundationModelsRequest): a provider pattern and three enums.
    const violations = checkString('byProvider', provider, { pattern: '[A-Za-z0-9- ]{1,63}' });
    for (const [field, v, values] of [['byCustomizationType', customization, ['FINE_TUNING', 'CONTINUED_PRE_TRAINING', 'DISTILLATION']], ['byOutputModality', outputModality, ['TEXT', 'IMAGE', 'EMBEDDING']], ['byInferenceType', inferenceType, ['ON_DEMAND', 'PROVISIONED']]] as const) {
      if (v !== null && !(values as readonly string[]).includes(v)) violations.push(violation(field, v, { kind: 'enum', values }));
    }
    throwIfInvalid(violations, 'ValidationException');
    const list = FOUNDATION_MODELS.map((m) => modelSummary(m, region))
      .filter((m) => !provider || provider.toLowerCase() === 'anthropic')
      .filter((m) => !inferenceType || (m.inferenceTypesSupported as string[]).includes(inferenceType))
      .filter((m) => !outputModality || m.outputModalities.includes(outputModality))
      .filter((m) => !customization || (m.customizationsSupported as string[]).includes(customization));
    return json(200, { modelSummaries: list });
  }
  if (req.method === 'GET' && segs[0] === 'foundation-models' && segs.length === 2) {
    const id = segs[1]!.replace(/^arn:aws:bedrock:[^:]*::foundation-model\//, '');
    deps.authorize(p, 'bedrock:GetFoundationModel', fmArn(region, id), { 'aws:RequestedRegion': region });
    const m = FOUNDATION_MODELS.find((x) => x.modelId === id);
    if (!m) throw new AwsError('ResourceNotFoundException', `Model not found: ${id}`);
    return json(200, { modelDetails: modelSummary(m, region) });
  }
  if (req.method === 'GET' && segs[0] === 'foundation-model-availability' && segs.length === 2) {
    const id = segs[1]!;
    any('bedrock:GetFoundationModelAvailability');
    const m = FOUNDATION_MODELS.find((x) => x.modelId === id);
    if (!m) throw new AwsError('ResourceNotFoundException', `Model not found: ${id}`);
    const unavailable = account.unavailable.includes(`${id}|${region}`);
    const subscribed = account.subscribed.includes(id);
    const pendingUntil = account.subscribing?.[id];
    return json(200, {
      modelId: id,
      agreementAvailability: { status: subscribed || (pendingUntil !== undefined && deps.state.now() >= pendingUntil) ? 'AVAILABLE' : pendingUntil !== undefined ? 'PENDING' : 'NOT_AVAILABLE' },
      authorizationStatus: account.useCaseForm ? 'AUTHORIZED' : 'NOT_AUTHORIZED',
      entitlementAvailability: unavailable ? 'NOT_AVAILABLE' : 'AVAILABLE',
      regionAvailability: unavailable ? 'NOT_AVAILABLE' : 'AVAILABLE',
    });
  }
  if (req.method === 'GET' && segs[0] === 'inference-profiles' && segs.length === 1) {
    deps.authorize(p, 'bedrock:ListInferenceProfiles', profileArn(region, p.accountId, '*'), { 'aws:RequestedRegion': region });
    // The request's constraints (API model: maxResults 1–1000, nextToken 1–2048 matching \S*, type an enum).
    const typeEq = req.query.get('type');
    const max = checkInt('maxResults', req.query.get('maxResults'), { min: 1, max: 1000 });
    const violations = [...max.violations, ...checkString('nextToken', req.query.get('nextToken'), { min: 1, max: 2048, pattern: '\\S*' })];
    if (typeEq !== null && !['SYSTEM_DEFINED', 'APPLICATION'].includes(typeEq)) violations.push(violation('typeEquals', typeEq, { kind: 'enum', values: ['SYSTEM_DEFINED', 'APPLICATION'] }));
    throwIfInvalid(violations, 'ValidationException');
    const rawToken = req.query.get('nextToken');
    const start = rawToken === null ? 0 : readPageToken(rawToken, { accountId: p.accountId, region, type: typeEq ?? '' });
    const pageSize = max.value ?? 1000;
    const visible = typeEq === 'APPLICATION' ? [] : PROFILES.filter((x) => destinationsFor(x, region, ov) !== null);
    const page = visible.slice(start, start + pageSize).map((x) => summary(x, region, p.accountId, ov));
    const next = start + pageSize < visible.length ? pageToken({ accountId: p.accountId, region, type: typeEq ?? '', offset: start + pageSize }) : undefined;
    return json(200, { inferenceProfileSummaries: page, ...(next ? { nextToken: next } : {}) });
  }
  if (req.method === 'GET' && segs[0] === 'inference-profiles' && segs.length >= 2) {
    const ident = segs.slice(1).join('/');
    const id = ident.startsWith('arn:') ? ident.split('inference-profile/')[1] ?? '' : ident;
    deps.authorize(p, 'bedrock:GetInferenceProfile', profileArn(region, p.accountId, id), { 'aws:RequestedRegion': region });
    const prof = PROFILES.find((x) => x.id === id && destinationsFor(x, region, ov) !== null);
    if (!prof) throw new AwsError('ResourceNotFoundException', `Inference profile ${ident} not found.`);
    return json(200, summary(prof, region, p.accountId, ov));
  }
  if (segs[0] === 'use-case-for-model-access' && segs.length === 1) {
    if (req.method === 'GET') {
      any('bedrock:GetUseCaseForModelAccess');
      // Reference §9.5: ResourceNotFound for "never submitted" is UNCONFIRMED.
      if (!account.useCaseForm) throw new AwsError('ResourceNotFoundException', AWS_MESSAGES.ftuFormNotFilled);
      return json(200, { formData: Buffer.from(account.useCaseForm).toString('base64') });
    }
    if (req.method === 'POST') {
      any('bedrock:PutUseCaseForModelAccess');
      let form: string;
      try {
        const body = JSON.parse(req.body.toString('utf8')) as { formData?: string };
        form = Buffer.from(body.formData ?? '', 'base64').toString('utf8');
      } catch {
        throw new AwsError('ValidationException');
      }
      validateForm(form);
      account.useCaseForm = form;
      deps.state.save();
      return { status: 201, headers: { 'content-type': 'application/json' }, body: '{}' };
    }
  }
  throw new AwsError('UnknownOperationException');
}

/** Reads a ListInferenceProfiles token this emulator issued for the same account, region and listing. */
function readPageToken(token: string, expect: { accountId: string; region: string; type: string }): number {
  const offset = readToken(token, { list: 'ListInferenceProfiles', ...expect });
  // A token it did not issue (another service's, another account's, garbled): ValidationException.
  // The message is UNCONFIRMED (no quoted Bedrock answer found).
  if (offset === null) throw new AwsError('ValidationException', 'The nextToken is not valid. Use the nextToken from the previous response of this operation.');
  return offset;
}
const pageToken = (s: { accountId: string; region: string; type: string; offset: number }) => issueToken({ list: 'ListInferenceProfiles', accountId: s.accountId, region: s.region, type: s.type }, s.offset);

/** Reference §4.3: the form's fields and limits. */
function validateForm(form: string): void {
  const size = Buffer.byteLength(form);
  if (size < 10 || size > 16_384) throw new AwsError('ValidationException', `1 validation error detected: Value at 'formData' failed to satisfy constraint: Member must have length between 10 and 16384`);
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(form) as Record<string, unknown>;
  } catch {
    throw new AwsError('ValidationException', 'The use case form data is not valid JSON.');
  }
  for (const f of ['companyName', 'companyWebsite', 'intendedUsers', 'industryOption', 'useCases']) {
    if (typeof v[f] !== 'string' || (v[f] as string).trim() === '') throw new AwsError('ValidationException', `The use case form is missing ${f}.`);
  }
  for (const f of ['companyName', 'companyWebsite', 'industryOption', 'otherIndustryOption']) {
    if (typeof v[f] === 'string' && (v[f] as string).length > 128) throw new AwsError('ValidationException', `${f} must be at most 128 characters.`);
  }
  if ((v.useCases as string).length > 8192) throw new AwsError('ValidationException', 'useCases must be at most 8192 characters.');
  if (!['0', '1', '2'].includes(v.intendedUsers as string)) throw new AwsError('ValidationException', 'intendedUsers must be "0", "1" or "2".');
}

// ---------------------------------------------------------------- runtime

const RUNTIME_OPS: Record<string, { op: string; action: string; stream: boolean }> = {
  converse: { op: 'Converse', action: 'bedrock:InvokeModel', stream: false },
  'converse-stream': { op: 'ConverseStream', action: 'bedrock:InvokeModelWithResponseStream', stream: true },
  invoke: { op: 'InvokeModel', action: 'bedrock:InvokeModel', stream: false },
  'invoke-with-response-stream': { op: 'InvokeModelWithResponseStream', action: 'bedrock:InvokeModelWithResponseStream', stream: true },
};

export function runtimeOperation(path: string): { op: string; action: string; stream: boolean; modelId: string } | null {
  const m = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/.exec(path);
  if (!m) return null;
  return { ...RUNTIME_OPS[m[2]!]!, modelId: decodeSeg(m[1]!) };
}

const INVALID_MODEL = 'The provided model identifier is invalid.';

/** Checks authorization and model access exactly as §3 and §4 describe; returns the model served. */
function authorizeInvocation(req: EmuRequest, deps: BedrockDeps, action: string, rawModel: string): { modelId: string; modelName: string } {
  const { principal: p, region } = req;
  req.record?.({ modelId: rawModel });
  let id = rawModel;
  if (id.startsWith('arn:')) {
    const m = /^arn:aws:bedrock:([^:]*):([^:]*):(inference-profile|foundation-model)\/(.+)$/.exec(id);
    if (!m) throw new AwsError('ValidationException', INVALID_MODEL);
    if (m[3] === 'foundation-model') id = m[4]!;
    else {
      if (m[1] !== region || m[2] !== p.accountId) throw new AwsError('ValidationException', INVALID_MODEL);
      id = m[4]!;
    }
  }
  const fm = FOUNDATION_MODELS.find((x) => x.modelId === id);
  if (fm) {
    // A bare model ID: authorized on the FM in this region, then refused on demand (§2.3, treated as required).
    deps.authorize(p, action, fmArn(region, fm.modelId), { 'aws:RequestedRegion': region });
    throw new AwsError('ValidationException', AWS_MESSAGES.onDemandNotSupported(fm.modelId));
  }
  const prof = PROFILES.find((x) => x.id === id);
  if (!prof) throw new AwsError('ValidationException', INVALID_MODEL);
  const dests = destinationsFor(prof, region, deps.state.data.profileOverrides);
  // A profile called from a region that is not one of its sources: not in the reference. Users
  // report ValidationException "The provided model identifier is invalid." for geography profiles
  // their region could not use (secondary: langchain-ai/open_deep_research#224,
  // langgenius/dify-official-plugins#2948), so the emulator answers as for an unknown identifier.
  if (!dests) throw new AwsError('ValidationException', INVALID_MODEL);
  const profModelId = modelIdOf(prof);
  const pArn = profileArn(region, p.accountId, prof.id);
  // §3.3: the profile resource is evaluated without bedrock:InferenceProfileArn.
  deps.authorize(p, action, pArn, { 'aws:RequestedRegion': region });
  if (prof.global) {
    deps.authorize(p, action, fmArn(region, profModelId), { 'aws:RequestedRegion': region, 'bedrock:InferenceProfileArn': pArn });
    deps.authorize(p, action, `arn:aws:bedrock:::foundation-model/${profModelId}`, { 'aws:RequestedRegion': 'unspecified', 'bedrock:InferenceProfileArn': pArn });
  } else {
    // §3.2: the FM in every destination region; the emulator checks them all, as any may be chosen.
    for (const d of dests) deps.authorize(p, action, fmArn(d, profModelId), { 'aws:RequestedRegion': d, 'bedrock:InferenceProfileArn': pArn });
  }
  // Served: AWS picks one of the destinations (a global profile: any commercial region, shown as '*').
  req.record?.({ routedTo: prof.global ? ['*'] : [...dests] });
  return { modelId: profModelId, modelName: modelName(profModelId) };
}

function checkModelAccess(account: Account, req: EmuRequest, deps: BedrockDeps, modelId: string, region: string): void {
  if (account.unavailable.includes(`${modelId}|${region}`)) {
    throw new AwsError('AccessDeniedException', "You don't have access to the model with the specified model ID.");
  }
  // §5.1 FTUFormNotFilled (404) is not a modeled shape: it reaches the SDK as ResourceNotFoundException.
  if (!account.useCaseForm) throw new AwsError('ResourceNotFoundException', AWS_MESSAGES.ftuFormNotFilledRuntime);
  if (!account.subscribed.includes(modelId)) {
    if (account.requireMarketplacePermissions) {
      // §3.4: the first invocation subscribes through Marketplace on the caller's behalf.
      const ctx = { 'aws:CalledViaLast': 'bedrock.amazonaws.com', 'aws:RequestedRegion': region };
      const ok = ['aws-marketplace:Subscribe', 'aws-marketplace:ViewSubscriptions'].every((a) => deps.allowed(req.principal, a, '*', ctx));
      if (!ok) throw new AwsError('AccessDeniedException', AWS_MESSAGES.marketplaceDenied);
    }
    // §4.2: the subscription is not instant; until it completes the model answers AccessDeniedException
    // (MPAgreementBeingCreated) and GetFoundationModelAvailability shows the agreement PENDING.
    const now = deps.state.now();
    const delay = account.subscriptionDelayMs ?? 0;
    const subscribing = (account.subscribing ??= dict());
    if (delay > 0 && subscribing[modelId] === undefined) subscribing[modelId] = now + delay;
    const until = subscribing[modelId];
    if (until !== undefined && now < until) {
      deps.state.save();
      throw new AwsError('AccessDeniedException', AWS_MESSAGES.subscriptionBeingProcessed);
    }
    delete subscribing[modelId];
    account.subscribed.push(modelId);
    deps.state.save();
  }
}

/** A short deterministic reply with realistic usage: ~4 characters per token. */
function reply(input: ChatInput, modelName: string): { words: string[]; inputTokens: number; outputTokens: number; stopReason: 'end_turn' | 'max_tokens' } {
  const words = `Hello from the byok emulator (${modelName}). You asked about: ${input.text.replace(/\s+/g, ' ').slice(0, 60)}`.split(' ');
  const allowed = Math.max(1, input.maxTokens);
  const out = words.slice(0, allowed);
  return { words: out, inputTokens: Math.max(1, Math.ceil(input.text.length / 4)) + 8, outputTokens: out.length, stopReason: out.length < words.length ? 'max_tokens' : 'end_turn' };
}

function event(type: string, body: unknown): Message {
  return { headers: { ':event-type': { type: 'string', value: type }, ':message-type': { type: 'string', value: 'event' }, ':content-type': { type: 'string', value: 'application/json' } }, body: fromUtf8(JSON.stringify(body)) };
}

export function exceptionEvent(code: string, message: string): Message {
  const member = code.charAt(0).toLowerCase() + code.slice(1);
  return { headers: { ':exception-type': { type: 'string', value: member }, ':message-type': { type: 'string', value: 'exception' }, ':content-type': { type: 'string', value: 'application/json' } }, body: fromUtf8(JSON.stringify({ message })) };
}

export async function handleRuntime(req: EmuRequest, deps: BedrockDeps, midStreamError?: { code: string; message: string }): Promise<EmuResponse> {
  const op = runtimeOperation(req.path);
  if (!op) throw new AwsError('UnknownOperationException');
  // As AWS: the model identifier and the caller's permissions first, then the body, then model access
  // (an unauthorised caller learns nothing about the body; a refused body starts no subscription).
  throwIfInvalid(checkString('modelId', op.modelId, op.op.startsWith('Converse') ? RUNTIME_MODEL_ID_SHAPES.ConversationalModelId : RUNTIME_MODEL_ID_SHAPES.InvokeModelIdentifier), 'ValidationException');
  const model = authorizeInvocation(req, deps, op.action, op.modelId);
  const input = op.op.startsWith('Converse') ? readConverse(req.body) : readInvoke(req.body, model.modelId.replace(/^anthropic\./, '').replace(/-v\d+:\d+$/, ''));
  checkModelAccess(deps.state.data.accounts[req.principal.accountId]!, req, deps, model.modelId, req.region);
  const r = reply(input, model.modelName);
  const text = r.words.join(' ');
  const usage = { inputTokens: r.inputTokens, outputTokens: r.outputTokens, totalTokens: r.inputTokens + r.outputTokens };
  const countHeaders = { 'x-amzn-bedrock-input-token-count': String(r.inputTokens), 'x-amzn-bedrock-output-token-count': String(r.outputTokens) };
  switch (op.op) {
    case 'Converse':
      return json(200, { output: { message: { role: 'assistant', content: [{ text }] } }, stopReason: r.stopReason, usage, metrics: { latencyMs: 5 } });
    case 'InvokeModel':
      return json(200, { id: `msg_bdrk_${req.now.getTime().toString(36)}`, type: 'message', role: 'assistant', model: model.modelId, content: [{ type: 'text', text }], stop_reason: r.stopReason, stop_sequence: null, usage: { input_tokens: r.inputTokens, output_tokens: r.outputTokens } }, countHeaders);
    case 'ConverseStream': {
      const events: Message[] = [event('messageStart', { role: 'assistant' })];
      r.words.forEach((w, i) => events.push(event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: i === 0 ? w : ` ${w}` } })));
      if (midStreamError) events.splice(2, events.length, exceptionEvent(midStreamError.code, midStreamError.message));
      else events.push(event('contentBlockStop', { contentBlockIndex: 0 }), event('messageStop', { stopReason: r.stopReason }), event('metadata', { usage, metrics: { latencyMs: 5 } }));
      return { status: 200, headers: { 'content-type': 'application/vnd.amazon.eventstream' }, eventStream: (async function* () { yield* events; })() };
    }
    default: {
      const chunk = (o: unknown) => event('chunk', { bytes: Buffer.from(JSON.stringify(o)).toString('base64') });
      const events: Message[] = [
        chunk({ type: 'message_start', message: { id: 'msg_bdrk_emulator', type: 'message', role: 'assistant', model: model.modelId, content: [], stop_reason: null, usage: { input_tokens: r.inputTokens, output_tokens: 1 } } }),
        chunk({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
        ...r.words.map((w, i) => chunk({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: i === 0 ? w : ` ${w}` } })),
      ];
      if (midStreamError) events.splice(2, events.length, exceptionEvent(midStreamError.code, midStreamError.message));
      else events.push(chunk({ type: 'content_block_stop', index: 0 }), chunk({ type: 'message_delta', delta: { stop_reason: r.stopReason }, usage: { output_tokens: r.outputTokens } }), chunk({ type: 'message_stop', 'amazon-bedrock-invocationMetrics': { inputTokenCount: r.inputTokens, outputTokenCount: r.outputTokens } }));
      // InvokeModelWithResponseStreamResponse.contentType (required) is the X-Amzn-Bedrock-Content-Type header (API model).
      return { status: 200, headers: { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-bedrock-content-type': 'application/json' }, eventStream: (async function* () { yield* events; })() };
    }
  }
}
