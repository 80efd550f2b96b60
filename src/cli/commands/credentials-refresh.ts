// byok credentials refresh: a new STS session for a long-term (AKIA) key now, instead of five
// minutes before the cached one expires. Temporary (ASIA) keys cannot be refreshed (DESIGN §4.1).
import type { Command } from 'commander';
import { EXIT } from '../../core/errors.js';
import type { Context } from '../context.js';
import { emit, mark, table, type Output } from '../output.js';
import type { ExitSink } from '../program.js';

export async function runCredentialsRefresh(ctx: Context): Promise<Output> {
  const { credentialsInUse } = await import('../../aws/credentials.js');
  const c = await credentialsInUse(ctx, { forceRefresh: true, requestTimeoutMs: 30_000 });
  const { doc } = await ctx.store().read();
  const obtainedAt = doc.workspaces[c.workspace]?.session?.obtainedAt ?? ctx.now().toISOString();
  return {
    json: {
      workspace: c.workspace,
      accessKeyId: c.accessKeyId,
      kind: c.kind,
      source: c.source,
      obtainedAt,
      session_token_expires_at: c.expiresAt,
    },
    lines: table([
      ['workspace', c.workspace],
      ['long-term key', c.accessKeyId],
      ['session obtained', obtainedAt],
      ['session_token_expires_at', c.expiresAt ?? '(none)'],
    ]),
    status: [mark.ok(ctx, `New STS session for ${c.accessKeyId} in ${c.workspace}, valid until ${c.expiresAt} (cached encrypted; refreshed automatically 5 minutes before it expires).`)],
    exitCode: EXIT.ok,
  };
}

/** Adds `refresh` under `byok credentials`. */
export function registerCredentialsRefresh(credentialsCommand: Command, ctx: Context, sink: ExitSink): void {
  credentialsCommand
    .command('refresh')
    .description('get a new STS session for a long-term (AKIA) key now; temporary (ASIA) keys cannot be refreshed')
    .action(async () => sink.set(emit(ctx, await runCredentialsRefresh(ctx))));
}
