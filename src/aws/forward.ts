// Forwards one Bedrock request as its client sent it (same body, same wire format), signed with
// SigV4 (@smithy/signature-v4) for the target's region and credentials. The reply comes back as
// a stream, unread: the caller decides what to do with the status before a byte moves on.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Env } from '../core/env.js';
import type { AwsCredentials } from './clients.js';

/** node:crypto behind the Checksum interface the signer takes (hashing is Node's, not ours). */
class NodeSha256 {
  private h: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    this.h = this.fresh();
  }
}

function toBuffer(d: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof d === 'string') return Buffer.from(d, 'utf8');
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.from(d);
}

export interface ForwardRequest {
  endpoint: string;
  region: string;
  /** The SigV4 signing name: `bedrock` for both Bedrock and Bedrock Runtime (the API models' signingName). */
  service: string;
  method: string;
  /** The path as it goes on the wire (segments already percent-encoded). */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
  /** SigV4 credentials, or (a workspace on a Bedrock API key) the key, sent as Authorization: Bearer. */
  credentials?: AwsCredentials;
  bearerToken?: string;
  clockOffsetMs: number;
  signal?: AbortSignal;
}

export interface ForwardResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: IncomingMessage;
}

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 512 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 512 });

const signers = new Map<string, SignatureV4>();
function signerFor(region: string, service: string, c: AwsCredentials): SignatureV4 {
  // The signer caches its derived signing keys: keep one per credential set (bounded).
  const k = `${region}|${service}|${c.accessKeyId}|${c.sessionToken ?? ''}`;
  let s = signers.get(k);
  if (!s) {
    if (signers.size > 64) signers.clear();
    s = new SignatureV4({ service, region, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken }, sha256: NodeSha256, uriEscapePath: true, applyChecksum: false });
    signers.set(k, s);
  }
  return s;
}

/** HTTPS_PROXY / NO_PROXY as aws/clients.ts honours them, for a real run only (env is process.env). */
async function agentFor(env: Env, url: URL): Promise<HttpAgent | HttpsAgent> {
  if (env === process.env) {
    const { getProxyForUrl } = await import('proxy-from-env');
    const proxy = getProxyForUrl(url.toString());
    if (proxy) {
      if (url.protocol === 'https:') return new (await import('https-proxy-agent')).HttpsProxyAgent(proxy) as unknown as HttpsAgent;
      return new (await import('http-proxy-agent')).HttpProxyAgent(proxy) as unknown as HttpAgent;
    }
  }
  return url.protocol === 'https:' ? httpsAgent : httpAgent;
}

export async function forwardSigned(env: Env, r: ForwardRequest): Promise<ForwardResponse> {
  const base = new URL(r.endpoint);
  const query: Record<string, string> = {};
  for (const [k, v] of r.query) query[k] = v;
  // An endpoint with a path prefix (BYOK_PLATFORM_ENDPOINT_URL=http://host/?r={region}) keeps it.
  const prefix = base.pathname.replace(/\/$/, '');
  // The endpoint's own parameters win over the caller's: a client must never steer where the
  // platform call goes (BYOK_PLATFORM_ENDPOINT_URL=http://proxy/?r={region}; attack review, stop 18).
  for (const [k, v] of base.searchParams) query[k] = v;
  const host = base.host;
  const headers: Record<string, string> = { ...r.headers, host, 'content-length': String(r.body.length) };
  let signed: { headers: Record<string, string> };
  if (r.bearerToken !== undefined) signed = { headers: { ...headers, authorization: `Bearer ${r.bearerToken}` } };
  else if (r.credentials) {
    signed = await signerFor(r.region, r.service, r.credentials).sign(
      { method: r.method, protocol: base.protocol, hostname: base.hostname, port: base.port ? Number(base.port) : undefined, path: `${prefix}${r.path}`, query, headers, body: r.body },
      { signingDate: new Date(Date.now() + r.clockOffsetMs) },
    );
  } else throw new Error('forwardSigned: neither credentials nor a bearer token');
  const qs = new URLSearchParams(query).toString();
  const agent = await agentFor(env, base);
  const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<ForwardResponse>((resolve, reject) => {
    const req = send({ protocol: base.protocol, hostname: base.hostname, port: base.port || undefined, method: r.method, path: `${prefix}${r.path}${qs ? `?${qs}` : ''}`, headers: signed.headers, agent, signal: r.signal });
    req.setTimeout(300_000, () => req.destroy(Object.assign(new Error('Bedrock did not answer within 300 s'), { code: 'ETIMEDOUT' })));
    req.on('response', (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }));
    req.on('error', reject);
    req.end(r.body);
  });
}

/**
 * Keeps the last few complete event-stream messages of a reply as it passes through (frames are
 * length-prefixed: the prelude's first 4 bytes), so token counts can be read at the end without
 * decoding, copying or holding back the stream.
 */
export class EventStreamTail {
  private pending: Buffer = Buffer.alloc(0);
  readonly last: Buffer[] = [];
  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const n = this.pending.readUInt32BE(0);
      if (n < 16 || this.pending.length < n) break;
      this.last.push(this.pending.subarray(0, n));
      if (this.last.length > 4) this.last.shift();
      this.pending = this.pending.subarray(n);
    }
    if (this.pending.length > 0 && this.pending.readUInt32BE(0) < 16) this.pending = Buffer.alloc(0); // not an event stream
  }
}

export interface TokenCounts { inputTokens: number | null; outputTokens: number | null }

/** Token counts from the end of a ConverseStream (metadata event) or InvokeModelWithResponseStream (invocation metrics). */
export async function streamUsage(frames: readonly Buffer[]): Promise<TokenCounts> {
  const { EventStreamCodec } = await import('@smithy/eventstream-codec');
  const { fromUtf8, toUtf8 } = await import('@smithy/util-utf8');
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const out: TokenCounts = { inputTokens: null, outputTokens: null };
  for (const f of frames) {
    try {
      const m = codec.decode(f);
      const type = m.headers[':event-type']?.value;
      const body = JSON.parse(Buffer.from(m.body).toString('utf8')) as Record<string, unknown>;
      if (type === 'metadata') {
        const u = body.usage as { inputTokens?: number; outputTokens?: number } | undefined;
        if (typeof u?.inputTokens === 'number') out.inputTokens = u.inputTokens;
        if (typeof u?.outputTokens === 'number') out.outputTokens = u.outputTokens;
      } else if (type === 'chunk' && typeof body.bytes === 'string') {
        const inner = JSON.parse(Buffer.from(body.bytes, 'base64').toString('utf8')) as Record<string, unknown>;
        const metrics = inner['amazon-bedrock-invocationMetrics'] as { inputTokenCount?: number; outputTokenCount?: number } | undefined;
        if (typeof metrics?.inputTokenCount === 'number') out.inputTokens = metrics.inputTokenCount;
        if (typeof metrics?.outputTokenCount === 'number') out.outputTokens = metrics.outputTokenCount;
      }
    } catch {
      // a frame that is not JSON (or not ours to read) counts nothing
    }
  }
  return out;
}
