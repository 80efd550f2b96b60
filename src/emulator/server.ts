// One loopback port for IAM, STS, Bedrock and Bedrock Runtime, plus the control API under
// /_emulator/. Every AWS request is SigV4-verified, then faults apply, then the handler runs;
// errors are rendered in the service's own protocol.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createH2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { COMMON_ERRORS, OPERATIONS, QUERY_API_VERSION } from './aws-data.js';
import { bedrockOperation, codec, handleBedrock, handleRuntime, PROFILE_IDS, runtimeOperation } from './bedrock.js';
import { AwsError, isAwsErrorCode, AWS_ERRORS } from './errors.js';
import { accessDeniedMessage, globalConditionKeys, iamResourceName, policyDocumentError } from './policy-eval.js';
import { handleIam, handleSts, queryError } from './query.js';
import { verifyRequest, type Protocol } from './sigv4.js';
import { regionPrefix, shortTermKeyRegion, verifyBearer, type BearerType } from './bearer.js';
import { dict, EmulatorState, randomRequestId, type Fault, type RequestRecord } from './state.js';
import type { EmuRequest, EmuResponse, Principal, ServiceName } from './types.js';

export interface EmulatorHandle {
  url: string;
  port: number;
  admin: { accessKeyId: string; secretAccessKey: string; accountId: string; userName: string };
  env: Record<string, string>;
  state: EmulatorState;
  close(): Promise<void>;
}

export interface StartOptions { port?: number; latencyMs?: number; stateFile?: string }

const ID_FORMS = {
  accountId: { re: /^\d{12}$/, what: 'a 12-digit AWS account ID' },
  accessKeyId: { re: /^(AKIA|ASIA)[A-Z0-9]{16}$/, what: 'an access key ID (AKIA or ASIA and 16 letters or digits)' },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

const REGION_NAME = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const isValidRegionName = (r: string) => REGION_NAME.test(r);

/** Could AWS answer this operation with this error? Its API model lists it, or every operation of the protocol can send it. */
function sendable(operation: string, code: string, midStream: boolean): boolean {
  const o = OPERATIONS[operation];
  if (!o) return false;
  if (midStream) return (o.streamErrors ?? []).includes(code);
  const protocol = o.service === 'iam' || o.service === 'sts' ? 'query' : 'json';
  return o.errors.includes(code) || (COMMON_ERRORS[protocol] as readonly string[]).includes(code);
}

function matchFault(f: Fault, service: ServiceName, operation: string, principal: Principal | null, region: string, now: number): boolean {
  if (f.until !== undefined && now > f.until) return false;
  // A fault only ever answers what AWS could answer: one without an operation fires where its error
  // is one the operation can send (mid-stream ones only on event-stream operations).
  if (f.error && !sendable(operation, f.error.code, f.midStream === true)) return false;
  if (f.remaining !== undefined && f.remaining <= 0) return false;
  if (f.service && f.service !== service) return false;
  if (f.operation && f.operation !== operation) return false;
  if (f.region && f.region !== region) return false;
  if (f.accessKeyId && principal?.accessKeyId !== f.accessKeyId) return false;
  if (f.accountId && principal?.accountId !== f.accountId) return false;
  return true;
}

export async function startEmulator(opts: StartOptions = {}): Promise<EmulatorHandle> {
  const state = new EmulatorState(opts.stateFile);
  const sockets = new Set<Socket>();

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomRequestId();
    try {
      await handle(req, res, requestId);
    } catch (e) {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: e instanceof Error ? e.message : String(e) }));
      } else res.destroy();
    }
  };
  // The SDK's Bedrock Runtime client speaks HTTP/2 by default, the others and the AWS CLI
  // HTTP/1.1: one port serves both, chosen by the connection preface.
  const h1 = createServer(onRequest);
  const h2 = createH2Server((req: Http2ServerRequest, res: Http2ServerResponse) => void onRequest(req as unknown as IncomingMessage, res as unknown as ServerResponse));
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      if (chunk.subarray(0, 14).toString('latin1') === 'PRI * HTTP/2.0') {
        // nghttp2 reads the socket's native handle, so the bytes already read cannot be handed
        // back; relay the connection to the HTTP/2 server on an internal loopback port instead.
        const upstream = connect((h2.address() as AddressInfo).port, '127.0.0.1', () => {
          upstream.write(chunk);
          socket.pipe(upstream).pipe(socket);
          socket.resume();
        });
        sockets.add(upstream);
        upstream.on('close', () => { sockets.delete(upstream); socket.destroy(); });
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
        socket.on('error', () => upstream.destroy());
      } else {
        socket.unshift(chunk);
        h1.emit('connection', socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', () => resolve()));

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rawPath = (req.url ?? '/').split('?')[0]!;
    const body = await readBody(req);
    if (rawPath.startsWith('/_emulator/')) return control(rawPath.slice('/_emulator/'.length), req.method ?? 'GET', body, res);
    // An endpoint may name its region as a path prefix (bearer.ts): routed without it, signed with it.
    const prefixed = regionPrefix(rawPath);
    const routePath = prefixed?.path ?? rawPath;

    const auth = String(req.headers.authorization ?? '');
    const scope = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(auth);
    const signedService = scope?.[3];
    const form = new URLSearchParams(req.headers['content-type']?.includes('x-www-form-urlencoded') ? body.toString('utf8') : '');
    let service: ServiceName;
    let protocol: Protocol;
    let operation: string;
    const rt = runtimeOperation(routePath);
    // The service is decided by the request itself, never by what it was signed for (the signature's
    // scope is then checked against it): a query request names its API by Version.
    const action = form.get('Action') ?? url.searchParams.get('Action');
    const version = form.get('Version') ?? url.searchParams.get('Version');
    if (action !== null) {
      service = version === QUERY_API_VERSION.sts ? 'sts' : version === QUERY_API_VERSION.iam ? 'iam' : signedService === 'sts' ? 'sts' : 'iam';
      protocol = 'query';
      operation = action;
    } else if (rt) {
      service = 'bedrock-runtime';
      protocol = 'json';
      operation = rt.op;
    } else {
      service = 'bedrock';
      protocol = 'json';
      operation = bedrockOperation(req.method ?? 'GET', routePath) ?? 'UnknownOperation';
    }

    const host = String(req.headers.host ?? req.headers[':authority'] ?? '');
    const logged: RequestRecord = { at: new Date(state.now()).toISOString(), service, operation, host, region: scope?.[2] ?? null, accessKeyId: scope?.[1] ?? null, accountId: null, status: null };
    state.logRequest(logged);
    const send = (status: number, headers: Record<string, string>, payload: string | Buffer) => {
      logged.status = status;
      res.writeHead(status, { 'x-amzn-requestid': requestId, date: httpDate(state.now()), 'content-length': String(Buffer.byteLength(payload)), ...headers });
      res.end(payload);
    };
    const sendError = (e: AwsError) => {
      // Bedrock's unknown route: a bare XML body and no x-amzn-errortype (errors.ts cites it).
      if (e.code === 'UnknownOperationException') return send(e.status, { 'content-type': 'application/xml' }, e.message);
      if (protocol === 'query') send(e.status, { 'content-type': 'text/xml' }, queryError(service as 'iam' | 'sts', e, requestId));
      else send(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.code }, JSON.stringify({ message: e.message }));
    };

    if (opts.latencyMs) await sleep(opts.latencyMs);
    let principal: Principal | null = null;
    let region = 'us-east-1';
    let bearer: BearerType | undefined;
    try {
      const bearerToken = /^Bearer (.*)$/s.exec(auth)?.[1];
      if (bearerToken !== undefined && protocol === 'json') {
        // Bedrock API keys: Bedrock and Bedrock Runtime only (IAM and STS take SigV4 alone).
        region = prefixed?.region ?? shortTermKeyRegion(bearerToken) ?? 'us-east-1';
        logged.region = region;
        const v = await verifyBearer(state, bearerToken.trim(), region);
        principal = v.principal;
        bearer = v.type;
      } else {
        const v = await verifyRequest(state, service, { method: req.method ?? 'GET', host, rawPath, query: url.searchParams, headers: req.headers, body });
        principal = v.principal;
        region = v.auth.region;
      }
      logged.accountId = principal.accountId;
    } catch (e) {
      if (e instanceof AwsError) return sendError(e);
      throw e;
    }

    // Injected faults, after authentication, rendered as that service would.
    const now = state.now();
    let midStream: { code: string; message: string } | undefined;
    let eventDelayMs = 0;
    for (const f of state.faults) {
      if (!matchFault(f, service, operation, principal, region, now)) continue;
      if (f.remaining !== undefined) f.remaining -= 1;
      if (f.eventDelayMs) eventDelayMs = f.eventDelayMs;
      if (f.latencyMs) await sleep(f.latencyMs);
      if (f.drop) {
        const stream = (req as unknown as { stream?: { destroy(): void } }).stream;
        if (stream) stream.destroy();
        else req.socket.destroy();
        return;
      }
      if (f.error) {
        const code = f.error.code;
        const e = isAwsErrorCode(code) ? new AwsError(code, f.error.message) : new AwsError('InternalServerException', f.error.message);
        if (f.midStream && rt?.stream) {
          midStream = { code: e.code, message: e.message };
          break;
        }
        return sendError(e);
      }
    }

    // The global condition keys AWS sets on every request (policy-eval.ts cites them); a handler's
    // own keys (aws:RequestedRegion per destination, bedrock:InferenceProfileArn) take precedence.
    // IAM is a global service: its requests are for us-east-1.
    const globals = globalConditionKeys(principal, { now, region: service === 'iam' ? 'us-east-1' : region, sourceIp: req.socket?.remoteAddress ?? '127.0.0.1' });
    const evaluate = (p: Principal, action: string, resource: string, context: Record<string, string>) => state.evaluate(p, { action, resource, context: { ...globals, ...context } });
    if (bearer !== undefined) {
      // bedrock:CallWithBearerToken "controls the use of a short-term or long-term Amazon Bedrock API
      // key", with the condition key bedrock:bearerTokenType = SHORT_TERM | LONG_TERM (Bedrock user
      // guide, "Control permissions for generating and using Amazon Bedrock API keys"). An explicit
      // deny refuses either kind. A long-term key's user needs it allowed (AWS attaches
      // AmazonBedrockLimitedAccess to it from the console); that a short-term key needs no allow of
      // its own (it "inherits the permissions" of its principal) is UNCONFIRMED. The resource is "*".
      const e = evaluate(principal, 'bedrock:CallWithBearerToken', '*', { 'bedrock:bearerTokenType': bearer });
      if (e.decision === 'explicit-deny' || (bearer === 'LONG_TERM' && e.decision !== 'allow')) {
        return sendError(new AwsError('AccessDeniedException', accessDeniedMessage(principal.arn, 'bedrock:CallWithBearerToken', '*', e)));
      }
    }
    const deps = {
      state,
      authorize(p: Principal, action: string, resource: string, context: Record<string, string>) {
        const e = evaluate(p, action, resource, context);
        if (e.decision !== 'allow') throw new AwsError('AccessDeniedException', accessDeniedMessage(p.arn, action, resource, e));
      },
      allowed: (p: Principal, action: string, resource: string, context: Record<string, string>) => evaluate(p, action, resource, context).decision === 'allow',
    };
    try {
      if (protocol === 'query') {
        const params = new URLSearchParams([...url.searchParams, ...form]);
        const qc = {
          state,
          principal: principal!,
          region,
          params,
          requestId,
          authorize(action: string, resource: string, context: Record<string, string> = {}) {
            const e = evaluate(principal!, action, resource, context);
            // IAM names its resources its own way in the message ("user NAME", "policy ARN").
            if (e.decision !== 'allow') throw new AwsError('AccessDenied', accessDeniedMessage(principal!.arn, action, iamResourceName(action, resource), e));
          },
        };
        const xml = service === 'sts' ? handleSts(operation, qc) : handleIam(operation, qc);
        return send(200, { 'content-type': 'text/xml' }, xml);
      }
      const er: EmuRequest = { service, operation, region, method: req.method ?? 'GET', path: routePath, query: url.searchParams, headers: req.headers, body, principal: principal!, now: new Date(now), record: (r) => Object.assign(logged, r) };
      const out: EmuResponse = service === 'bedrock-runtime' ? await handleRuntime(er, deps, midStream) : await handleBedrock(er, deps);
      if (out.eventStream) {
        logged.status = out.status;
        res.writeHead(out.status, { 'x-amzn-requestid': requestId, date: httpDate(state.now()), ...out.headers });
        let closed = false;
        res.on('close', () => {
          if (!res.writableFinished) closed = true;
        });
        let n = 0;
        for await (const m of out.eventStream) {
          if (eventDelayMs && n++ > 0) await sleep(eventDelayMs);
          if (closed) {
            logged.abortedByClient = true;
            return;
          }
          res.write(Buffer.from(codec.encode(m)));
        }
        res.end();
        return;
      }
      return send(out.status, out.headers ?? {}, out.body ?? '');
    } catch (e) {
      if (e instanceof AwsError) return sendError(e);
      throw e;
    }
  }

  function control(route: string, method: string, body: Buffer, res: ServerResponse): void {
    const reply = (status: number, v: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(v));
    };
    let input: Record<string, unknown> = {};
    try {
      input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      return reply(400, { error: 'body is not JSON' });
    }
    const now = state.now();
    // IDs name entries in the state's maps: only well-formed ones get that far.
    const badId = (field: 'accountId' | 'accessKeyId', required: boolean): string | undefined => {
      const v = input[field];
      if (v === undefined && !required) return undefined;
      return typeof v === 'string' && ID_FORMS[field].re.test(v) ? undefined : `${field} must be ${ID_FORMS[field].what}`;
    };
    switch (`${method} ${route}`) {
      case 'POST faults': {
        const err = input.error as { code?: string; message?: string } | undefined;
        if (err && (typeof err.code !== 'string' || !isAwsErrorCode(err.code))) return reply(400, { error: `unknown AWS error code ${String(err?.code)}; known: ${Object.keys(AWS_ERRORS).join(', ')}` });
        const bad = badId('accountId', false) ?? badId('accessKeyId', false);
        if (bad) return reply(400, { error: bad });
        const svc = input.service;
        if (svc !== undefined && svc !== 'iam' && svc !== 'sts' && svc !== 'bedrock' && svc !== 'bedrock-runtime') return reply(400, { error: 'service must be iam, sts, bedrock or bedrock-runtime' });
        const op = input.operation;
        // Operations by the name AWS gives them (never a URL segment, which would silently never match).
        if (op !== undefined && (typeof op !== 'string' || !OPERATIONS[op])) return reply(400, { error: `unknown operation ${String(op)}; the emulated operations are: ${Object.keys(OPERATIONS).join(', ')}` });
        if (typeof op === 'string' && svc !== undefined && OPERATIONS[op]!.service !== svc) return reply(400, { error: `${op} is a ${OPERATIONS[op]!.service} operation, not ${String(svc)}` });
        const midStream = input.midStream === true;
        const candidates = Object.keys(OPERATIONS).filter((o) => (op === undefined || o === op) && (svc === undefined || OPERATIONS[o]!.service === svc));
        if (midStream && !candidates.some((o) => OPERATIONS[o]!.streamErrors)) return reply(400, { error: `a mid-stream fault needs an event-stream operation (ConverseStream, InvokeModelWithResponseStream), not ${String(op ?? svc)}` });
        if (err && !candidates.some((o) => sendable(o, err.code!, midStream))) {
          const where = typeof op === 'string' ? op : svc !== undefined ? `any ${String(svc)} operation` : 'any emulated operation';
          const lists = typeof op === 'string' ? `; it can send ${[...(midStream ? OPERATIONS[op]!.streamErrors ?? [] : OPERATIONS[op]!.errors)].join(', ')}${midStream ? ' mid-stream' : ''}, and the common errors of its protocol` : '';
          return reply(400, { error: `AWS cannot send ${err.code!}${midStream ? ' mid-stream' : ''} for ${where}${lists}` });
        }
        const f: Fault = {
          id: randomRequestId(),
          service: input.service as string | undefined,
          operation: input.operation as string | undefined,
          accessKeyId: input.accessKeyId as string | undefined,
          accountId: input.accountId as string | undefined,
          region: input.region as string | undefined,
          remaining: typeof input.count === 'number' ? input.count : undefined,
          until: typeof input.durationMs === 'number' ? now + input.durationMs : undefined,
          error: err ? { code: err.code!, message: err.message } : undefined,
          latencyMs: typeof input.latencyMs === 'number' ? input.latencyMs : undefined,
          drop: input.drop === true,
          midStream: input.midStream === true,
          eventDelayMs: typeof input.eventDelayMs === 'number' ? input.eventDelayMs : undefined,
        };
        state.faults.push(f);
        return reply(200, { id: f.id });
      }
      case 'GET faults':
        return reply(200, { faults: state.faults });
      case 'GET requests':
        return reply(200, { requests: state.requests });
      case 'DELETE faults':
        state.faults = [];
        return reply(200, { cleared: true });
      case 'POST clock':
        state.data.clockOffsetMs += Number(input.advanceMs ?? 0);
        state.save();
        return reply(200, { now: new Date(state.now()).toISOString(), offsetMs: state.data.clockOffsetMs });
      case 'GET clock':
        return reply(200, { now: new Date(state.now()).toISOString(), offsetMs: state.data.clockOffsetMs });
      case 'POST reset':
        state.reset();
        return reply(200, { reset: true });
      case 'POST accounts': {
        const a = state.createAccount({ useCaseSubmitted: input.useCaseSubmitted !== false });
        if (input.requireMarketplacePermissions === false) a.account.requireMarketplacePermissions = false;
        return reply(200, { accountId: a.account.id, admin: { accessKeyId: a.key.id, secretAccessKey: a.key.secret, accountId: a.account.id, userName: 'admin', arn: a.user.arn } });
      }
      case 'POST model-access': {
        const bad = badId('accountId', true);
        if (bad) return reply(400, { error: bad });
        const a = state.data.accounts[input.accountId as string];
        if (!a) return reply(404, { error: 'no such account' });
        if (typeof input.useCaseSubmitted === 'boolean') a.useCaseForm = input.useCaseSubmitted ? (a.useCaseForm ?? JSON.stringify({ companyName: 'x', companyWebsite: 'https://example.com', intendedUsers: '0', industryOption: 'Other', useCases: 'test' })) : null;
        if (typeof input.marketplaceSubscribed === 'boolean') a.subscribed = input.marketplaceSubscribed ? ['anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic.claude-opus-4-5-20251101-v1:0'] : [];
        if (typeof input.requireMarketplacePermissions === 'boolean') a.requireMarketplacePermissions = input.requireMarketplacePermissions;
        if (input.subscriptionDelayMs !== undefined) {
          if (typeof input.subscriptionDelayMs !== 'number' || !Number.isInteger(input.subscriptionDelayMs) || input.subscriptionDelayMs < 0) return reply(400, { error: 'subscriptionDelayMs must be a whole number of milliseconds, 0 or more' });
          a.subscriptionDelayMs = input.subscriptionDelayMs;
        }
        const av = input.availability as { modelId?: string; region?: string; status?: string } | undefined;
        if (av?.modelId && av.region) {
          const k = `${av.modelId}|${av.region}`;
          a.unavailable = a.unavailable.filter((x) => x !== k);
          if (av.status === 'NOT_AVAILABLE') a.unavailable.push(k);
        }
        state.save();
        return reply(200, { accountId: a.id, useCaseSubmitted: a.useCaseForm !== null, subscribed: a.subscribed, unavailable: a.unavailable });
      }
      case 'POST profiles': {
        // AWS changes its inference profiles over time (a destination added, a source dropped).
        const id = input.profileId;
        const src = input.sourceRegion;
        const dests = input.destinations;
        if (typeof id !== 'string' || !PROFILE_IDS.includes(id)) return reply(400, { error: 'profileId must be one of the emulated system-defined profiles' });
        if (typeof src !== 'string' || !isValidRegionName(src)) return reply(400, { error: 'sourceRegion must be a region name' });
        if (dests !== null && (!Array.isArray(dests) || !dests.every((d) => typeof d === 'string' && isValidRegionName(d)))) return reply(400, { error: 'destinations must be a list of region names ([] = no longer a source), or null to undo' });
        const ov = (state.data.profileOverrides ??= dict());
        if (dests === null) delete ov[`${id}|${src}`];
        else ov[`${id}|${src}`] = dests as string[];
        state.save();
        return reply(200, { profileOverrides: ov });
      }
      case 'DELETE profiles':
        delete state.data.profileOverrides;
        state.save();
        return reply(200, { cleared: true });
      case 'POST service-control-policies': {
        // The SCPs that apply to an account (AWS Organizations attaches them; the emulator has no
        // Organizations API): a list of policy documents, [] or null for none.
        const bad = badId('accountId', true);
        if (bad) return reply(400, { error: bad });
        const a = state.data.accounts[input.accountId as string];
        if (!a) return reply(404, { error: 'no such account' });
        const pols = input.policies;
        if (pols !== null && !Array.isArray(pols)) return reply(400, { error: 'policies must be a list of policy documents ([] or null: no SCP applies)' });
        const texts = (pols ?? []).map((d) => (typeof d === 'string' ? d : JSON.stringify(d)));
        for (const [i, t] of texts.entries()) {
          const why = policyDocumentError(t);
          if (why) return reply(400, { error: `policies[${i}] is not a valid policy document: ${why}` });
        }
        // Each SCP gets an ARN in AWS's form (arn:aws:organizations::MANAGEMENT-ACCOUNT:policy/o-ORG/service_control_policy/p-ID),
        // which an explicit deny names; the organization and its management account are invented.
        const lower = 'abcdefghijklmnopqrstuvwxyz0123456789';
        const rnd = (n: number) => Array.from({ length: n }, () => lower[Math.floor(Math.random() * lower.length)]).join('');
        const org = `o-${rnd(10)}`;
        const mgmt = String(100000000000 + Math.floor(Math.random() * 899999999999));
        if (texts.length > 0) a.scps = texts.map((document) => ({ arn: `arn:aws:organizations::${mgmt}:policy/${org}/service_control_policy/p-${rnd(8)}`, document }));
        else delete a.scps;
        state.save();
        return reply(200, { accountId: a.id, scps: (a.scps ?? []).map((x) => x.arn) });
      }
      case 'POST permissions-boundary': {
        // A user's permissions boundary, as a policy document (null removes it).
        const bad = badId('accountId', true);
        if (bad) return reply(400, { error: bad });
        const a = state.data.accounts[input.accountId as string];
        if (!a) return reply(404, { error: 'no such account' });
        const u = typeof input.userName === 'string' ? a.users[input.userName.toLowerCase()] : undefined;
        if (!u) return reply(404, { error: `no such user ${String(input.userName)} in account ${a.id}` });
        const d = input.policy;
        delete u.permissionsBoundaryArn; // the control API's document replaces a boundary IAM set
        if (d === null || d === undefined) delete u.permissionsBoundary;
        else {
          const t = typeof d === 'string' ? d : JSON.stringify(d);
          const why = policyDocumentError(t);
          if (why) return reply(400, { error: `policy is not a valid policy document: ${why}` });
          u.permissionsBoundary = t;
        }
        state.save();
        return reply(200, { accountId: a.id, userName: u.name, permissionsBoundary: u.permissionsBoundary !== undefined });
      }
      case 'POST iam-propagation-delay':
        state.data.iamPropagationDelayMs = Number(input.ms ?? 0);
        return reply(200, { ms: state.data.iamPropagationDelayMs });
      case 'GET state': {
        const accounts = Object.values(state.data.accounts).map((a) => ({
          accountId: a.id,
          users: Object.values(a.users).map((u) => ({ name: u.name, inlinePolicies: Object.keys(u.inline), attached: u.attached, accessKeys: Object.values(state.data.keys).filter((k) => k.accountId === a.id && k.userName === u.name).map((k) => ({ id: k.id, status: k.status })) })),
          policies: Object.values(a.policies).map((p) => ({ arn: p.arn, versions: p.versions.map((v) => ({ id: v.id, isDefault: v.isDefault })) })),
          useCaseSubmitted: a.useCaseForm !== null,
          subscribed: a.subscribed,
        }));
        return reply(200, { now: new Date(now).toISOString(), accounts, sessions: Object.keys(state.data.sessions).length, faults: state.faults.length });
      }
      default:
        return reply(404, { error: `no control route ${method} /_emulator/${route}` });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const boot = state.data.keys[state.data.bootstrap.accessKeyId]!;
  return {
    url,
    port,
    state,
    admin: { accessKeyId: boot.id, secretAccessKey: boot.secret, accountId: boot.accountId, userName: boot.userName },
    env: { AWS_ENDPOINT_URL_IAM: url, AWS_ENDPOINT_URL_STS: url, AWS_ENDPOINT_URL_BEDROCK: url, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: url },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        h2.close();
        server.close(() => resolve());
      }),
  };
}
