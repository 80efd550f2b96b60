// byok credential-process: the AWS `credential_process` JSON (reference aws.md §8) from the
// encrypted store, with fresh session credentials, so `credential_process = byok
// credential-process` serves the AWS CLI and SDKs. Printing the secret on stdout is the whole
// point of this command and the only place byok does it; errors go to stderr as usual.
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { EXIT } from '../../core/errors.js';

export interface CredentialProcessOutput {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken?: string;
  Expiration?: string;
}

export async function runCredentialProcess(ctx: Context): Promise<CredentialProcessOutput> {
  const { credentialsInUse } = await import('../../app/credentials.js');
  // One read of the config serves both the provider check and the credentials.
  const { doc } = await ctx.store().read();
  {
    // credential_process hands out SigV4 credentials; a Bedrock API key is a bearer token, which
    // tools read from AWS_BEARER_TOKEN_BEDROCK, not from credential_process (issue 14).
    const { pickWorkspace } = await import('../../core/access.js');
    const { UsageError } = await import('../../core/errors.js');
    const ws = pickWorkspace(ctx, doc);
    if (ws.apiKey) {
      throw new UsageError(
        'provider-is-api-key',
        `Workspace ${ws.name} calls Bedrock with a Bedrock API key (a bearer token); credential_process can only hand out SigV4 access keys, so it would bypass that choice.`,
        'Tools that take a Bedrock API key read it from AWS_BEARER_TOKEN_BEDROCK; byok never prints the key. To give tools SigV4 credentials from byok instead, switch the workspace back: byok credentials remove --bedrock-api-key',
      );
    }
  }
  const c = await credentialsInUse(ctx, { doc });
  const out: CredentialProcessOutput = { Version: 1, AccessKeyId: c.credentials.accessKeyId, SecretAccessKey: c.credentials.secretAccessKey };
  if (c.credentials.sessionToken) out.SessionToken = c.credentials.sessionToken;
  if (c.credentials.expiration) out.Expiration = c.credentials.expiration.toISOString();
  return out;
}

export function registerCredentialProcess(program: Command, ctx: Context): void {
  program
    .command('credential-process')
    .description('print AWS credential_process JSON for the workspace (for credential_process = byok credential-process)')
    .action(async () => {
      const out = await runCredentialProcess(ctx);
      ctx.credentialStdout.write(`${JSON.stringify(out)}\n`);
      return EXIT.ok;
    });
}
