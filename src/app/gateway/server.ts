// `byok gateway` (issue 13): a local Bedrock Runtime endpoint. Clients (Claude Code, the AWS SDKs
// and CLI, the Anthropic Bedrock SDK) authenticate with a byok-issued bearer token, the way they
// send Bedrock API keys; every request then goes through the same engine as `byok invoke`
// (payload guard, routing and residency, the workspace's credentials, the fallback policy with
// its audit event) and is forwarded in AWS's own wire format, re-signed with SigV4, the reply's
// bytes piped back as they arrive. The config is read again for every request.
import { payloadTextOf } from './payload.js';
import { randomUUID } from 'node:crypto';
import { createServer as createH1Server, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { workspaceCatalog, workspaceNamed, type ConfigDoc, type Workspace } from '../../core/config-doc.js';
import { ByokError, LocalStateError, UsageError } from '../../core/errors.js';
import { classifyClientModel, findToken } from '../../core/gateway.js';
import { foundationModelArn, geographyLabel, inferenceProfileArn } from '../../core/geography.js';
import { MODELS, type ModelKey } from '../../core/models.js';
import { resolveRoute, type Route } from '../../core/routing.js';
import { printable } from '../../core/text.js';
import { requireAccess } from '../../core/access.js';
import { scrubMessage, type AwsFailure } from '../../aws/errors.js';
import type { ForwardResponse, TokenCounts } from '../../aws/forward.js';
import { runWithFallback, type OperationFacts } from '../invoke.js';
import type { Runtime } from '../runtime.js';
import type { ConfigStore } from '../../store/config-store.js';

export interface GatewayOptions {
  workspace?: string;
  /** 127.0.0.1 unless the caller chose another address explicitly (the CLI's --host). */
  host?: string;
  port?: number;
  /** One JSON line per request (and lifecycle notes) — the CLI writes them to stderr. */
  log?: (line: string) => void;
  /** The fallback rules' view of a gateway request: a read, unless configured otherwise. */
  operation?: OperationFacts;
  /** Largest request body accepted (AWS: 20 MB per request, reference aws.md §1). */
  maxBodyBytes?: number;
}

export interface GatewayStats { startedAt: string; inFlight: number; requests: number; served: number; refused: number; failed: number; fallbacks: number }

export interface GatewayHandle {
  url: string;
  host: string;
  port: number;
  workspace: string;
  stats(): GatewayStats;
  /** Stops accepting, lets the requests in flight finish (up to graceMs), then closes. */
  close(graceMs?: number): Promise<void>;
}

/** The runtime operations, by the last segment of /model/{modelId}/… (Bedrock Runtime's REST paths). */
const RUNTIME_OPS: Readonly<Record<string, { op: string; stream: boolean; converse: boolean }>> = {
  invoke: { op: 'InvokeModel', stream: false, converse: false },
  'invoke-with-response-stream': { op: 'InvokeModelWithResponseStream', stream: true, converse: false },
  converse: { op: 'Converse', stream: false, converse: true },
  'converse-stream': { op: 'ConverseStream', stream: true, converse: true },
};

type Matched =
  | { plane: 'runtime'; op: string; suffix: string; stream: boolean; converse: boolean; modelId: string }
  | { plane: 'control'; op: 'ListInferenceProfiles' }
  | { plane: 'control'; op: 'GetInferenceProfile'; id: string };

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

function match(method: string, rawPath: string): Matched | null {
  const rt = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream|converse|converse-stream)$/.exec(rawPath);
  if (rt && method === 'POST') return { plane: 'runtime', ...RUNTIME_OPS[rt[2]!]!, suffix: rt[2]!, modelId: decode(rt[1]!) };
  if (method === 'GET' && rawPath === '/inference-profiles') return { plane: 'control', op: 'ListInferenceProfiles' };
  const gp = /^\/inference-profiles\/(.+)$/.exec(rawPath);
  if (method === 'GET' && gp) return { plane: 'control', op: 'GetInferenceProfile', id: decode(gp[1]!) };
  return null;
}

// AWS's answers, each from reference aws.md or the source named beside it.
/** A request whose bearer token is not valid. 403 AccessDeniedException with this text (body key
 * "Message") is what Bedrock Runtime answers a revoked or wrong API key — Secondary:
 * ai4s-research/open-science#53, anomalyco/opencode#47073 (403 and the text); the error type is
 * from one report of a measured reply: UNCONFIRMED in AWS's documentation. */
const AUTH_FAILED = 'Authentication failed: Please make sure your API Key is valid.';
/** No Authorization header at all: what AWS's REST endpoints answer (as the emulator, src/emulator/errors.ts cites; UNCONFIRMED for Bedrock). */
const MISSING_AUTH = 'Missing Authentication Token';
/** A model byok does not serve: ResourceNotFoundException, 404 (reference aws.md §5.1: AWS says "implement a fallback mechanism"). */
const NOT_FOUND = 'The specified resource ARN was not found.';

interface Reply {
  status: number;
  code: string;
  message: string;
  /** Says why, for the log line (never sent to the client beyond the message). */
  why?: string;
  bodyKey?: 'message' | 'Message';
}

/** What a refusal by byok (not by AWS) looks like to a Bedrock client. */
function refusal(e: unknown): Reply {
  if (e instanceof UsageError) {
    const validation = ['credentials-in-payload', 'model-outside-route', 'model-not-in-geography', 'profile-leaves-geography', 'region-not-a-source', 'region-outside-geography', 'geography-not-set', 'invalid-region'].includes(e.code);
    return { status: validation ? 400 : 403, code: validation ? 'ValidationException' : 'AccessDeniedException', message: `byok gateway: ${e.message}${e.hint ? ` ${e.hint}` : ''}`, why: e.code };
  }
  if (e instanceof LocalStateError) return { status: 500, code: 'InternalServerException', message: `byok gateway cannot use its configuration (${e.code}); see the gateway's log.`, why: `${e.code}: ${e.message}` };
  if (e instanceof ByokError) return { status: 403, code: 'AccessDeniedException', message: `byok gateway: ${e.message}${e.hint ? ` ${e.hint}` : ''}`, why: e.code };
  return { status: 500, code: 'InternalServerException', message: 'An internal server error occurred.', why: e instanceof Error ? e.message : String(e) };
}

/** The engine's final failure in AWS's shape: AWS's own code, status and (scrubbed) message. */
function failureReply(f: AwsFailure): Reply {
  if (f.status !== undefined && f.code) return { status: f.status, code: f.code, message: f.message ?? '' };
  if (f.network || f.status === undefined) return { status: 503, code: 'ServiceUnavailableException', message: `byok gateway could not reach Amazon Bedrock (${f.code ?? 'no answer'}).`, why: f.message };
  // A status without an error type: the modeled error AWS sends with that status (reference aws.md §5.1).
  const byStatus: Record<number, string> = { 403: 'AccessDeniedException', 404: 'ResourceNotFoundException', 408: 'ModelTimeoutException', 424: 'ModelErrorException', 429: 'ThrottlingException', 503: 'ServiceUnavailableException' };
  return { status: f.status, code: byStatus[f.status] ?? (f.status >= 500 ? 'InternalServerException' : 'ValidationException'), message: f.message ?? '' };
}

/** An error reply from upstream, thrown so the engine classifies it as it classifies the SDK's (name, $metadata, message). */
class UpstreamError extends Error {
  readonly $metadata: { httpStatusCode: number; requestId?: string };
  readonly $fault: 'client' | 'server';
  constructor(status: number, headers: ForwardResponse['headers'], body: Buffer) {
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      // not JSON: the status decides
    }
    const msg = parsed.message ?? parsed.Message;
    super(typeof msg === 'string' ? msg : body.toString('utf8').slice(0, 300));
    const typeHeader = headers['x-amzn-errortype'];
    const fromHeader = (Array.isArray(typeHeader) ? typeHeader[0] : typeHeader)?.split(':')[0];
    const fromBody = typeof parsed.__type === 'string' ? parsed.__type.split('#').pop() : typeof parsed.code === 'string' ? parsed.code : undefined;
    this.name = fromHeader || fromBody || 'Error';
    const rid = headers['x-amzn-requestid'];
    this.$metadata = { httpStatusCode: status, requestId: typeof rid === 'string' ? rid : undefined };
    this.$fault = status >= 500 ? 'server' : 'client';
  }
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

function passHeaders(h: ForwardResponse['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP_BY_HOP.has(k.toLowerCase())) out[k] = v;
  return out;
}

/** Request headers a Bedrock Runtime call carries on to AWS (its own auth and hop-by-hop ones are replaced). */
function forwardHeaders(h: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    const name = k.toLowerCase();
    if (typeof v !== 'string') continue;
    if (name === 'content-type' || name === 'accept' || name.startsWith('x-amzn-bedrock-') || name === 'x-amzn-trace-id') out[name] = v;
  }
  out['content-type'] ??= 'application/json';
  return out;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** max_tokens (InvokeModel) or inferenceConfig.maxTokens (Converse), for the audit event. */
function maxTokensOf(body: Buffer, converse: boolean): number | null {
  try {
    const v = JSON.parse(body.toString('utf8')) as { max_tokens?: unknown; inferenceConfig?: { maxTokens?: unknown } };
    const n = converse ? v.inferenceConfig?.maxTokens : v.max_tokens;
    return typeof n === 'number' ? n : null;
  } catch {
    return null;
  }
}

export async function startGateway(rt: Runtime, o: GatewayOptions = {}): Promise<GatewayHandle> {
  const host = o.host ?? '127.0.0.1';
  // Log lines carry outside text (model IDs, AWS's messages): scrubbed of anything shaped like key material.
  const sink = o.log ?? (() => undefined);
  const log = (line: string) => sink(scrubMessage(line));
  const limit = o.maxBodyBytes ?? 20 * 1024 * 1024;
  const operation: OperationFacts = o.operation ?? { kind: 'read' };
  const { doc: first } = await rt.store().read();
  const { pickWorkspace } = await import('../../core/access.js');
  const wsName = pickWorkspace(rt, first, o.workspace).name;
  {
    const ws = workspaceNamed(first, wsName)!;
    requireAccess(rt, ws);
    const { usableWorkspace, credentialsInUse } = await import('../credentials.js');
    usableWorkspace(rt, ws);
    // Obtain (and cache) the STS session now, so the first burst of clients does not each ask for one.
    await credentialsInUse({ ...rt, flags: { ...rt.flags, workspace: wsName } }, { workspace: wsName }).catch((e: unknown) => rt.warn(`The workspace's credentials could not be used yet (${e instanceof Error ? e.message : String(e)}); requests will try again.`));
  }
  const stats: GatewayStats = { startedAt: rt.now().toISOString(), inFlight: 0, requests: 0, served: 0, refused: 0, failed: 0, fallbacks: 0 };
  let accountId: Promise<string> | undefined;
  let draining = false;

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    // The health probe `gateway status` makes is not a request of a client: not counted.
    const probe = req.method === 'GET' && req.url === '/_byok/health';
    if (!probe) {
      stats.inFlight += 1;
      stats.requests += 1;
    }
    handle(req, res)
      .catch((e: unknown) => {
        log(JSON.stringify({ at: new Date().toISOString(), event: 'internal-error', message: e instanceof Error ? e.message : String(e) }));
        if (!res.headersSent) sendError(res, randomUUID(), refusal(e));
        else res.destroy();
      })
      .finally(() => {
        if (!probe) stats.inFlight -= 1;
      });
  };

  function sendError(res: ServerResponse, requestId: string, r: Reply): void {
    if (res.headersSent || res.destroyed) return;
    const body = r.code === 'UnknownOperationException' ? '<UnknownOperationException/>' : JSON.stringify({ [r.bodyKey ?? 'message']: r.message });
    res.writeHead(r.status, {
      'content-type': r.code === 'UnknownOperationException' ? 'application/xml' : 'application/json',
      ...(r.code === 'UnknownOperationException' ? {} : { 'x-amzn-errortype': r.code }),
      'x-amzn-requestid': requestId,
      'content-length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const requestId = randomUUID();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
    const method = req.method ?? 'GET';
    const line: Record<string, unknown> = { at: rt.now().toISOString(), requestId, user: null, workspace: wsName, operation: null, model: null, profile: null, region: null, status: 0, servedBy: null, fallback: false, inputTokens: null, outputTokens: null, latencyMs: 0, ttfbMs: null };
    const finish = (status: number, extra: Record<string, unknown> = {}) => {
      Object.assign(line, { status, ...extra, latencyMs: Math.round((performance.now() - t0) * 100) / 100 });
      log(JSON.stringify(line));
    };
    const refuse = (r: Reply) => {
      stats.refused += 1;
      sendError(res, requestId, r);
      finish(r.status, { error: r.code, reason: r.why ?? r.message });
    };

    if (method === 'GET' && rawPath === '/_byok/health') {
      // For `byok gateway status`: counts only, nothing about the workspace's credentials or users.
      const body = JSON.stringify({ ok: !draining, workspace: wsName, stats });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
      return;
    }
    if (draining) {
      res.setHeader('connection', 'close');
      return refuse({ status: 503, code: 'ServiceUnavailableException', message: "The service isn't currently available.", why: 'the gateway is shutting down' });
    }
    const m = match(method, rawPath);
    line.operation = m?.op ?? `${method} ${printable(rawPath, 80)}`;
    // Authentication before anything else is read or decided: a request without a valid token is
    // never forwarded and learns nothing about the workspace.
    const auth = req.headers.authorization;
    if (auth === undefined || auth.trim() === '') return refuse({ status: 403, code: 'MissingAuthenticationTokenException', message: MISSING_AUTH, why: 'no Authorization header' });
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!bearer) return refuse({ status: 403, code: 'AccessDeniedException', message: AUTH_FAILED, bodyKey: 'Message', why: /^AWS4-HMAC-SHA256/.test(auth) ? 'SigV4 request: the gateway takes only its bearer tokens (AWS_BEARER_TOKEN_BEDROCK)' : 'not a bearer token' });
    // The config is read afresh for every request (a policy changed to strict applies to the next
    // one), once: the engine's own reads in this request see the same snapshot, and a write
    // (a new STS session, a fallback's audit event) goes to the store and ends the snapshot.
    const real = rt.store();
    let snapshot: ReturnType<ConfigStore['read']> | undefined;
    const store = Object.create(real) as ConfigStore;
    store.read = (ro) => (ro?.diagnose ? real.read(ro) : (snapshot ??= real.read()));
    store.update = (fn) => {
      snapshot = undefined;
      return real.update(fn);
    };
    let doc: ConfigDoc;
    try {
      ({ doc } = await store.read());
    } catch (e) {
      return refuse(refusal(e));
    }
    const ws = workspaceNamed(doc, wsName);
    const token = ws ? findToken(ws.gatewayTokens, bearer[1]!) : null;
    if (!ws || !token) return refuse({ status: 403, code: 'AccessDeniedException', message: AUTH_FAILED, bodyKey: 'Message', why: ws ? 'unknown or revoked token' : `workspace ${wsName} no longer exists` });
    line.user = token.user;
    line.tokenId = token.id;
    const reqRt: Runtime = { ...rt, user: token.user, flags: { ...rt.flags, workspace: wsName }, env: rt.env, now: rt.now, configDir: rt.configDir, store: () => store, warn: (msg: string) => log(JSON.stringify({ at: rt.now().toISOString(), requestId, warning: msg })) };

    if (!m) {
      await readBody(req, limit);
      return refuse({ status: 404, code: 'UnknownOperationException', message: '<UnknownOperationException/>', why: `no route ${method} ${printable(rawPath, 80)}` });
    }
    if (m.plane === 'control') {
      await readBody(req, limit);
      return control(m, ws, reqRt, query, res, requestId, refuse, finish);
    }

    line.model = printable(m.modelId, 200);
    if (!ws.geography) return refuse(refusal(new UsageError('geography-not-set', `Workspace ${ws.name} has no geography set.`, 'The owner runs: byok config set geography global|us|eu|apac')));
    const cm = classifyClientModel(m.modelId, ws.geography);
    if (cm.kind === 'outside') {
      return refuse({ status: 400, code: 'ValidationException', message: `byok gateway: ${printable(m.modelId, 200)} was not forwarded: workspace ${ws.name} keeps inference inside ${geographyLabel(ws.geography)}, and ${cm.reason}. ${servedIds(ws)}`, why: 'outside-geography' });
    }
    if (cm.kind === 'unserved') return refuse({ status: 404, code: 'ResourceNotFoundException', message: NOT_FOUND, why: `not served: ${cm.reason}` });

    const body = await readBody(req, limit);
    if (body === null) return refuse({ status: 400, code: 'ValidationException', message: `byok gateway: the request body is larger than ${limit} bytes.`, why: 'body too large' });

    // The client may go away at any time: stop the upstream call, and never retry after that.
    const abort = new AbortController();
    let clientGone = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        abort.abort();
      }
    });
    let written = 0;
    let ttfb: number | null = null;
    const { forwardSigned, EventStreamTail, streamUsage } = await import('../../aws/forward.js');
    const fwdHeaders = forwardHeaders(req.headers);
    const bodyText = body.toString('utf8');
    let outcome;
    try {
      outcome = await runWithFallback<TokenCounts>(reqRt, {
        workspace: wsName,
        model: cm.model,
        requireProfileId: cm.profileId ?? undefined,
        operation,
        conversation: `gw-${requestId}`,
        promptChars: bodyText.length,
        maxTokens: maxTokensOf(body, m.converse),
        payloadText: payloadTextOf(body),
        // Once the status line went out, the client has this reply's start: a retry could not be
        // delivered as the same response (attack review, stop 18), so it counts as delivered.
        delivered: () => (clientGone || res.headersSent ? Math.max(1, written) : written),
        usage: (u) => u,
        async call(t) {
          if (clientGone) throw Object.assign(new Error('the client closed the connection'), { name: 'AbortError' });
          line.profile = t.route.inferenceProfileId;
          line.region = t.region;
          // Bedrock Runtime's four operations take no query parameters (their API models): none of the
          // client's is forwarded.
          const up = await forwardSigned(rt.env, { endpoint: t.endpoint, region: t.region, service: 'bedrock', method: 'POST', path: `/model/${encodeURIComponent(t.route.inferenceProfileId)}/${m.suffix}`, query: new URLSearchParams(), headers: fwdHeaders, body, credentials: t.credentials, bearerToken: t.bearerToken, clockOffsetMs: t.clockOffsetMs, signal: abort.signal });
          if (up.status < 200 || up.status >= 300) {
            const chunks: Buffer[] = [];
            for await (const c of up.body) chunks.push(c as Buffer);
            throw new UpstreamError(up.status, up.headers, Buffer.concat(chunks));
          }
          // The upstream status is known and good: only now does the client get a status line.
          res.writeHead(up.status, passHeaders(up.headers));
          const tail = m.stream ? new EventStreamTail() : null;
          const copy: Buffer[] = [];
          for await (const c of up.body) {
            const chunk = c as Buffer;
            if (ttfb === null) ttfb = performance.now() - t0;
            written += chunk.length;
            if (tail) tail.push(chunk);
            else if (m.converse) copy.push(chunk);
            if (!res.write(chunk)) await new Promise<void>((r) => { res.once('drain', r); res.once('close', r); });
            if (clientGone) {
              up.body.destroy();
              throw Object.assign(new Error('the client closed the connection mid-reply'), { name: 'AbortError' });
            }
          }
          res.end();
          if (tail) return streamUsage(tail.last);
          if (m.converse) {
            try {
              const u = (JSON.parse(Buffer.concat(copy).toString('utf8')) as { usage?: { inputTokens?: number; outputTokens?: number } }).usage;
              return { inputTokens: u?.inputTokens ?? null, outputTokens: u?.outputTokens ?? null };
            } catch {
              return { inputTokens: null, outputTokens: null };
            }
          }
          const n = (h: string) => (typeof up.headers[h] === 'string' ? Number(up.headers[h]) : null);
          return { inputTokens: n('x-amzn-bedrock-input-token-count'), outputTokens: n('x-amzn-bedrock-output-token-count') };
        },
      });
    } catch (e) {
      return refuse(refusal(e));
    }
    line.ttfbMs = ttfb === null ? null : Math.round(ttfb * 100) / 100;
    line.attempts = outcome.attempts.map((a) => ({ via: a.via, ok: a.ok, region: a.region, error: a.error?.code ?? null }));
    line.fallback = outcome.attempts.some((a) => a.via === 'platform');
    if (line.fallback) stats.fallbacks += 1;
    if (outcome.ok) {
      stats.served += 1;
      return finish(200, { servedBy: outcome.servedBy, inputTokens: outcome.result.inputTokens, outputTokens: outcome.result.outputTokens, bytes: written });
    }
    stats.failed += 1;
    if (clientGone) return finish(499, { error: 'client-closed', bytes: written, reason: 'the client closed the connection; the upstream call was aborted' });
    if (res.headersSent) {
      // Part of the reply was sent when the upstream broke: never a second reply after it.
      res.destroy();
      return finish(502, { error: outcome.failure.code ?? 'stream-broken', bytes: written, reason: outcome.hint });
    }
    const r = failureReply(outcome.failure);
    sendError(res, requestId, r);
    finish(r.status, { error: r.code, reason: outcome.decision.reasons.join('; '), category: outcome.failure.category });
  }

  /** The profile IDs the workspace serves, for a refusal's message. */
  function servedIds(ws: Workspace): string {
    const ids = (['sonnet', 'opus'] as ModelKey[]).map((k) => routeOf(ws, k)).filter((r): r is Route => r !== null).map((r) => r.inferenceProfileId);
    return ids.length > 0 ? `Use ${ids.join(' or ')}.` : '';
  }

  function routeOf(ws: Workspace, model: ModelKey): Route | null {
    const r = resolveRoute({ model, geography: ws.geography, region: ws.region, catalog: workspaceCatalog(ws) });
    return r.ok ? r.value : null;
  }

  async function account(reqRt: Runtime): Promise<string> {
    accountId ??= (async () => {
      const { credentialsInUse } = await import('../credentials.js');
      const { getCallerIdentity } = await import('../../aws/sts.js');
      const c = await credentialsInUse(reqRt, { workspace: wsName });
      return (await getCallerIdentity(reqRt.env, c.region, c.credentials, { maxAttempts: 2 })).account;
    })();
    return accountId.catch((e: unknown) => {
      accountId = undefined;
      throw e;
    });
  }

  /** ListInferenceProfiles / GetInferenceProfile, answered from the workspace's own routes (reference aws.md §4.1 shapes). */
  async function control(m: Extract<Matched, { plane: 'control' }>, ws: Workspace, reqRt: Runtime, query: URLSearchParams, res: ServerResponse, requestId: string, refuse: (r: Reply) => void, finish: (s: number, x?: Record<string, unknown>) => void): Promise<void> {
    let acct: string;
    try {
      requireAccess(reqRt, ws);
      acct = await account(reqRt);
    } catch (e) {
      if (e instanceof ByokError) return refuse(refusal(e));
      const { toAwsFailure } = await import('../../aws/errors.js');
      return refuse(failureReply(toAwsFailure(e)));
    }
    const summaries = (['sonnet', 'opus'] as ModelKey[]).map((k) => routeOf(ws, k)).filter((r): r is Route => r !== null).map((r) => {
      const destinations = r.destinations.includes('*') ? [`arn:aws:bedrock:::foundation-model/${r.modelId}`, foundationModelArn(r.region, r.modelId)] : r.destinations.map((d) => foundationModelArn(d, r.modelId));
      const label = r.inferenceProfileId.split('.')[0]!.toUpperCase();
      return {
        inferenceProfileName: `${label} ${MODELS[r.model].name.replace('Claude', 'Anthropic Claude')}`,
        description: `Routes requests to ${MODELS[r.model].name.replace('Claude', 'Anthropic Claude')} ${r.destinations.includes('*') ? 'globally across all supported AWS Regions' : `in ${r.destinations.join(', ')}`}.`,
        createdAt: ws.createdAt,
        updatedAt: ws.createdAt,
        inferenceProfileArn: inferenceProfileArn(r.region, acct, r.inferenceProfileId),
        models: destinations.map((modelArn) => ({ modelArn })),
        inferenceProfileId: r.inferenceProfileId,
        status: 'ACTIVE',
        type: 'SYSTEM_DEFINED',
      };
    });
    let payload: unknown;
    if (m.op === 'ListInferenceProfiles') {
      const type = query.get('type');
      const list = type === 'APPLICATION' ? [] : summaries;
      const start = Number(query.get('nextToken') ?? 0) || 0;
      const max = Math.min(Math.max(Number(query.get('maxResults') ?? 1000) || 1000, 1), 1000);
      payload = { inferenceProfileSummaries: list.slice(start, start + max), ...(start + max < list.length ? { nextToken: String(start + max) } : {}) };
    } else {
      if (!ws.geography) return refuse(refusal(new UsageError('geography-not-set', `Workspace ${ws.name} has no geography set.`)));
      const cm = classifyClientModel(m.id, ws.geography);
      if (cm.kind === 'outside') return refuse({ status: 400, code: 'ValidationException', message: `byok gateway: workspace ${ws.name} keeps inference inside ${geographyLabel(ws.geography)}, and ${cm.reason}. ${servedIds(ws)}`, why: 'outside-geography' });
      const found = cm.kind === 'served' ? summaries.find((s) => s.inferenceProfileId === cm.profileId) : undefined;
      if (!found) return refuse({ status: 404, code: 'ResourceNotFoundException', message: NOT_FOUND, why: 'not a profile this workspace serves' });
      payload = found;
    }
    const body = JSON.stringify(payload);
    res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
    finish(200);
  }

  // One port for HTTP/1.1 (the AWS CLI, the Anthropic SDK, fetch) and cleartext HTTP/2 (the AWS
  // SDK v3 Bedrock Runtime client's default), told apart by the HTTP/2 connection preface. nghttp2
  // reads the socket's native handle, so an HTTP/2 connection is relayed to an internal loopback port.
  const h1: Server = createH1Server({ keepAliveTimeout: 65_000 }, onRequest);
  const h2: Http2Server = createH2Server((req, res) => onRequest(req as unknown as IncomingMessage, res as unknown as ServerResponse));
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    // Event-stream frames are small writes: Nagle's algorithm would hold each one for an ACK.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      if (chunk.subarray(0, 14).toString('latin1') === 'PRI * HTTP/2.0') {
        const upstream = connect((h2.address() as AddressInfo).port, '127.0.0.1', () => {
          upstream.write(chunk);
          socket.pipe(upstream).pipe(socket);
          socket.resume();
        });
        upstream.setNoDelay(true);
        sockets.add(upstream);
        upstream.on('close', () => { sockets.delete(upstream); socket.destroy(); });
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
      } else {
        socket.unshift(chunk);
        h1.emit('connection', socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    host,
    port,
    workspace: wsName,
    stats: () => ({ ...stats }),
    async close(graceMs = 30_000) {
      draining = true;
      // Stop accepting connections now; the callback fires once the open ones are gone.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const until = Date.now() + graceMs;
      while (stats.inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      for (const s of sockets) s.destroy();
      h1.close();
      h2.close();
      await closed;
    },
  };
}
