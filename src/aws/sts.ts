// STS: who am I, and short-lived sessions for long-term keys (reference aws.md §6).
import type { Env } from '../core/env.js';
import { stsClient, type CredentialSource } from './clients.js';

export interface CallerIdentity { account: string; arn: string; userId: string }

export interface StsCallOptions {
  maxAttempts?: number;
  /** ctx.now() − host clock, so requests are signed at the context's time. */
  clockOffsetMs?: number;
  requestTimeoutMs?: number;
}

function callOptions(o: number | StsCallOptions | undefined): StsCallOptions {
  return typeof o === 'number' ? { maxAttempts: o } : (o ?? {});
}

/** GetCallerIdentity needs no permission and works even under an explicit deny (reference §6). */
export async function getCallerIdentity(env: Env, region: string, credentials: CredentialSource, opts?: number | StsCallOptions): Promise<CallerIdentity> {
  const o = callOptions(opts);
  const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const client = await stsClient(env, { region, credentials, ...o });
  try {
    const r = await client.send(new GetCallerIdentityCommand({}));
    return { account: r.Account ?? '', arn: r.Arn ?? '', userId: r.UserId ?? '' };
  } finally {
    client.destroy();
  }
}

export interface SessionCredentials { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date }

/** GetSessionToken: IAM users 900–129,600 s (reference §6). byok asks for 12 h, the AWS default. */
export async function getSessionToken(env: Env, region: string, credentials: CredentialSource, durationSeconds = 43_200, opts?: StsCallOptions): Promise<SessionCredentials> {
  const { GetSessionTokenCommand } = await import('@aws-sdk/client-sts');
  const client = await stsClient(env, { region, credentials, ...(opts ?? {}) });
  try {
    const r = await client.send(new GetSessionTokenCommand({ DurationSeconds: durationSeconds }));
    const c = r.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new Error('STS GetSessionToken returned incomplete credentials');
    }
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  } finally {
    client.destroy();
  }
}
