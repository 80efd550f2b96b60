// The only module that imports @aws-sdk/* — always lazily, so local commands never load the SDK.
// Endpoints come from the context's env (the SDK's own AWS_ENDPOINT_URL_* names, reference
// aws.md §8) and are passed explicitly, so an in-process test with its own env map and a child
// process reading process.env behave the same way.
import type { Env } from '../core/env.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Where credentials come from: fixed values, or a provider such as the SDK's node chain. */
export type CredentialSource = AwsCredentials | (() => Promise<AwsCredentials>);

export interface ClientOptions {
  region: string;
  /** SigV4 credentials; absent only with bearerToken. */
  credentials?: CredentialSource;
  /**
   * A Bedrock API key (Bedrock and Bedrock Runtime only): sent as `Authorization: Bearer`, the
   * services' `smithy.api#httpBearerAuth` scheme, chosen over SigV4 by the SDK's
   * authSchemePreference (the SDK would otherwise read AWS_BEARER_TOKEN_BEDROCK from process.env).
   */
  bearerToken?: string;
  /** The SDK default is 3 (reference §8). IAM writes use 1: LimitExceeded is "throttling" to the SDK (§5.4). */
  maxAttempts?: number;
  /** Per-request timeout in ms (socket and connection), so a dead endpoint cannot hang a check. */
  requestTimeoutMs?: number;
  /** An explicit endpoint (the platform's, for a fallback) instead of the AWS_ENDPOINT_URL_* one. */
  endpoint?: string;
  /** ctx.now() − host clock: signs requests at the context's time (tests move the emulator's clock). */
  clockOffsetMs?: number;
}

type ServiceKey = 'IAM' | 'STS' | 'BEDROCK' | 'BEDROCK_RUNTIME';

/** AWS_ENDPOINT_URL_<SERVICE> wins over AWS_ENDPOINT_URL; honours AWS_IGNORE_CONFIGURED_ENDPOINT_URLS. */
export function endpointFor(env: Env, service: ServiceKey): string | undefined {
  const ignore = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
  if (ignore !== undefined && ignore.toLowerCase() === 'true') return undefined;
  // An empty or blank value counts as unset, as the SDK reads it: an empty per-service variable
  // falls through to AWS_ENDPOINT_URL (else the gateway would forward where the SDK does not send).
  const set = (v: string | undefined): string | undefined => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);
  return set(env[`AWS_ENDPOINT_URL_${service}`]) ?? set(env.AWS_ENDPOINT_URL);
}

/** The URL the SDK will call when no endpoint is configured (only used to match NO_PROXY). */
function defaultEndpoint(service: ServiceKey, region: string): string {
  if (service === 'IAM') return 'https://iam.amazonaws.com';
  return `https://${service === 'BEDROCK_RUNTIME' ? 'bedrock-runtime' : service.toLowerCase()}.${region}.amazonaws.com`;
}

/**
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as the AWS CLI honours them; the SDK for JavaScript does
 * not read them itself. proxy-from-env decides (it reads the process environment, so only a real
 * run — whose context env is process.env — is proxied; in-process tests stay hermetic), and
 * TooTallNate's agents tunnel (CONNECT for https) or forward (http).
 */
async function proxyAgents(env: Env, target: string): Promise<{ proxy: string; httpAgent?: unknown; httpsAgent?: unknown } | null> {
  if (env !== process.env) return null;
  const { getProxyForUrl } = await import('proxy-from-env');
  const proxy = getProxyForUrl(target);
  if (!proxy) return null;
  if (target.startsWith('https:')) {
    const { HttpsProxyAgent } = await import('https-proxy-agent');
    return { proxy, httpsAgent: new HttpsProxyAgent(proxy) };
  }
  const { HttpProxyAgent } = await import('http-proxy-agent');
  return { proxy, httpAgent: new HttpProxyAgent(proxy) };
}

async function baseConfig(env: Env, service: ServiceKey, o: ClientOptions) {
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  const endpoint = o.endpoint ?? endpointFor(env, service);
  const timeout = o.requestTimeoutMs ?? 30_000;
  const agents = await proxyAgents(env, endpoint ?? defaultEndpoint(service, o.region));
  return {
    region: o.region,
    ...(o.bearerToken !== undefined
      ? { token: { token: o.bearerToken }, authSchemePreference: ['httpBearerAuth'] }
      : // Pinned: otherwise AWS_BEARER_TOKEN_BEDROCK in process.env (the gateway's clients set it) makes the
        // SDK send that token instead of the credentials byok chose (attack review, stop 18).
        { credentials: o.credentials, authSchemePreference: ['sigv4'] }),
    maxAttempts: o.maxAttempts ?? 3,
    ...(o.clockOffsetMs ? { systemClockOffset: o.clockOffsetMs } : {}),
    requestHandler: new NodeHttpHandler({
      connectionTimeout: Math.min(timeout, 10_000),
      requestTimeout: timeout,
      ...(agents?.httpAgent ? { httpAgent: agents.httpAgent as never } : {}),
      ...(agents?.httpsAgent ? { httpsAgent: agents.httpsAgent as never } : {}),
    }),
    ...(endpoint ? { endpoint } : {}),
  };
}

export async function stsClient(env: Env, o: ClientOptions) {
  const { STSClient } = await import('@aws-sdk/client-sts');
  return new STSClient(await baseConfig(env, 'STS', o));
}

export async function iamClient(env: Env, o: ClientOptions) {
  const { IAMClient } = await import('@aws-sdk/client-iam');
  return new IAMClient(await baseConfig(env, 'IAM', o));
}

export async function bedrockClient(env: Env, o: ClientOptions) {
  const { BedrockClient } = await import('@aws-sdk/client-bedrock');
  return new BedrockClient(await baseConfig(env, 'BEDROCK', o));
}

export async function runtimeClient(env: Env, o: ClientOptions) {
  const { BedrockRuntimeClient } = await import('@aws-sdk/client-bedrock-runtime');
  return new BedrockRuntimeClient(await baseConfig(env, 'BEDROCK_RUNTIME', o));
}
