// Credentials from a profile in the AWS shared config files, through the SDK's own ini provider
// (static keys, SSO, role chains, credential_process) — byok does not parse those files itself.
import type { Env } from '../core/env.js';
import { printable } from '../core/text.js';
import { UsageError } from '../core/errors.js';

export interface ProfileCredentials { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiresAt?: string }

export async function readProfileCredentials(ctx: { env: Env }, profile: string): Promise<ProfileCredentials> {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(profile)) throw new UsageError('invalid-profile', `"${printable(profile)}" is not an AWS profile name.`, 'Profile names are letters, digits and . _ -');
  const { fromIni } = await import('@aws-sdk/credential-provider-ini');
  try {
    const c = await fromIni({ profile, filepath: ctx.env.AWS_SHARED_CREDENTIALS_FILE, configFilepath: ctx.env.AWS_CONFIG_FILE })();
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiresAt: c.expiration?.toISOString() };
  } catch (e) {
    // The provider's first line names the problem (no such profile, no keys); nothing secret is in it.
    throw new UsageError('profile-unreadable', `Could not read credentials from AWS profile "${profile}": ${e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e)}`, 'Check ~/.aws/credentials and ~/.aws/config (or AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE), or type the keys instead.');
  }
}
