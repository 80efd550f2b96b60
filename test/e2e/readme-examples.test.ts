// The README is the contract: every example in the fenced `sh` blocks under "Commands" runs, in
// the README's order, through the built CLI against the emulator in a throw-away config dir.
// Placeholders are filled in (AKIA..., $SECRET, "..."), optional parts in [brackets] are left out,
// and "a | b" alternatives run one after the other. An example that cannot run here is skipped by
// name below, with the reason; anything else the README adds runs, and must exit as its text says.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { STSClient, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { run } from '../helpers/spawn.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(REPO, 'README.md'), 'utf8');

/** Examples that cannot run in a test, each with the reason. Matched on the example's start. */
const SKIPPED: Record<string, string> = {
  'byok setup  ': 'the wizard needs a terminal (test/e2e/setup-wizard.test.ts drives it in a pty)',
  'byok emulator start': 'starts a server that runs until stopped; the test runs its own emulator',
};

/**
 * Steps the README's order leaves to the reader (it documents commands by topic, not as one
 * session): run before the example they are keyed by (the example exactly as run), to give it the
 * state its text describes.
 */
const BEFORE: Record<string, string[]> = {
  // A refresh needs the route (the STS call goes to the workspace's region); it is set in the config section.
  'byok credentials refresh': ['byok config set geography eu', 'byok config set region eu-west-1'],
  // The credentials section ends with `credentials remove`; test-connection tests a configured workspace.
  'byok test-connection': [`printf '%s\\n' "$WS_SECRET" | byok credentials set --access-key-id "$WS_KEY" --secret-access-key-stdin`],
  // After the config section switched BYOK off and unset the region, as its examples show.
  'byok policy show': ['byok config set enabled true', 'byok config set region eu-west-1'],
  // provision creates the user, its policy and its key for a workspace that has none yet.
  'byok iam provision': ['byok credentials remove'],
  // "a workspace without a route": the README's ws2.
  'byok iam provision -w ws2 --geography us --region us-east-1 --user-name byok-ws2': ['byok workspace create ws2 --plan scale'],
  // The settings file doctor checks: the one byok export claude-code writes (the export section shows how).
  'byok doctor --claude-code-settings ~/.claude/settings.json': ['mkdir -p ~/.claude && byok export claude-code --json > ~/.claude/settings.json'],
};

/** Examples whose README text says they fail, with the exit code the README gives (the example exactly as run). */
const EXPECTED_EXIT: Record<string, number> = {
  'byok policy set warn': 2, // "refused while locked (owner: --unlock first)"
  // Run as written, without [--yes], and no terminal: "without a terminal to confirm in: --yes, else exit 2".
  'byok models request-access --company-name "Example Bank" --company-website https://bank.example --intended-users internal --industry "Financial services" --use-cases "Internal coding assistant"': 2,
  // "exits 0 for fallback and 1 for fail": the workspace is strict (and locked) by then, so a throttle fails.
  'byok policy evaluate --error-code ThrottlingException --operation-kind read': 1,
  // The create-access-key example before it left byok-bedrock at IAM's two-key limit; rotate-key
  // refuses to delete the key the workspace does not use ("At the two-key limit the hint names the key...").
  'byok iam rotate-key': 2,
  // An autonomous write in production is never fallback-eligible, whatever the policy.
  'byok policy evaluate --http-status 503 --operation-kind write --autonomous --environment production --policy allow': 1,
};

interface Example { block: number; line: string; commands: string[] }

/** The `sh` blocks under "## Commands", one example per logical line (continuations joined). */
function examples(): Example[] {
  const start = README.indexOf('\n## Commands');
  const end = README.indexOf('\n## ', start + 5);
  const section = README.slice(start, end);
  const out: Example[] = [];
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  blocks.forEach((text, block) => {
    const logical = text.replace(/\\\n\s*/g, '').split('\n');
    for (const raw of logical) {
      const line = raw.replace(/\s+#.*$/, '').trimEnd();
      if (line.trim() === '' || line.trim().startsWith('#')) continue;
      const noOptional = line.replace(/\s*\[[^\]]*\]/g, '');
      // "fault list | clear": alternatives of one command, not a pipe.
      const alt = /^(byok .*?) (\w+) \| (\w+)$/.exec(noOptional);
      const commands = alt ? [`${alt[1]} ${alt[2]}`, `${alt[1]} ${alt[3]}`] : [noOptional];
      out.push({ block, line, commands });
    }
  });
  return out;
}

let emu: TestEmulator;
let t: TestEnv;
let shEnv: Record<string, string | undefined>;

function fill(cmd: string, p: { akia: string; asia: string }): string {
  return cmd
    .replace(/AKIA\.\.\./g, p.akia)
    .replace(/ASIA\.\.\./g, p.asia)
    .replace(/AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=…/g, 'AWS_ACCESS_KEY_ID="$ADMIN_KEY" AWS_SECRET_ACCESS_KEY="$ADMIN_SECRET"')
    .replace(/"\.\.\."/g, '"Say hello"')
    // The README's example expiry is a date; a real one is in the future.
    .replace(/--expires-at \S+/g, '--expires-at "$EXPIRES_AT"');
}

beforeAll(async () => {
  emu = await startTestEmulator();
  t = tempConfig();
  const home = join(t.dir, 'home');
  mkdirSync(join(home, '.aws'), { recursive: true });
  const a = emu.admin;
  // The workspace's own key: an IAM user's, as an admin hands one out (not the admin's).
  const iam = new IAMClient(sdkConfig(emu, 'us-east-1', a));
  await iam.send(new CreateUserCommand({ UserName: 'alice-bedrock' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'alice-bedrock', PolicyName: 'bedrock', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['bedrock:*', 'aws-marketplace:ViewSubscriptions', 'aws-marketplace:Subscribe', 'sts:GetCallerIdentity', 'sts:GetSessionToken'], Resource: '*' }] }) }));
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice-bedrock' }))).AccessKey!;
  iam.destroy();
  writeFileSync(join(home, '.aws', 'credentials'), ['bank', 'bedrock'].map((p) => `[${p}]\naws_access_key_id = ${k.AccessKeyId}\naws_secret_access_key = ${k.SecretAccessKey}\n`).join('\n'), { mode: 0o600 });
  // The profiles the README imports from, as an admin's ~/.aws/credentials holds them.
  const sts = new STSClient(sdkConfig(emu, 'us-east-1', { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! }));
  const s = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 3600 }));
  sts.destroy();
  shEnv = {
    PATH: process.env.PATH,
    HOME: home,
    ...t.env,
    ...emu.clientEnv,
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    AWS_ACCESS_KEY_ID: a.accessKeyId,
    AWS_SECRET_ACCESS_KEY: a.secretAccessKey,
    AWS_REGION: 'eu-west-1',
    BYOK_PLATFORM_ENDPOINT_URL: emu.url,
    CI: 'true',
    // What `eval "$(byok emulator start)"` exports, for the emulator examples.
    BYOK_EMULATOR_URL: emu.url,
    ADMIN_KEY: a.accessKeyId,
    ADMIN_SECRET: a.secretAccessKey,
    WS_KEY: k.AccessKeyId!,
    WS_SECRET: k.SecretAccessKey!,
    SECRET: k.SecretAccessKey!,
    TOKEN: s.Credentials!.SessionToken!,
    ASIA_KEY: s.Credentials!.AccessKeyId!,
    EXPIRES_AT: s.Credentials!.Expiration!.toISOString().replace(/\.\d+Z$/, 'Z'),
    BYOK_BIN,
  };
}, 60_000);
afterAll(async () => {
  await emu?.close();
  t?.cleanup();
});

describe('the README is the contract', () => {
  it('finds the examples (a README without them would pass vacuously)', () => {
    expect(examples().length).toBeGreaterThan(40);
  });

  it('every example under "Commands" runs in order against the emulator and exits as the README says', async () => {
    const failures: string[] = [];
    const skipped: string[] = [];
    const sh = async (cmd: string) => run('/bin/sh', ['-c', `byok() { node "$BYOK_BIN" "$@"; }\n${cmd}`], { env: shEnv, cwd: REPO, timeoutMs: 60_000 });
    for (const ex of examples()) {
      const skip = Object.entries(SKIPPED).find(([k]) => `${ex.line}  `.startsWith(k));
      if (skip) {
        skipped.push(`${ex.line}: ${skip[1]}`);
        continue;
      }
      for (const c of ex.commands) {
        for (const s of BEFORE[c] ?? []) {
          {
            const r = await sh(s);
            if (r.code !== 0) failures.push(`(setup step) ${s} → exit ${r.code}: ${r.stderr.trim()}`);
          }
        }
        const cmd = fill(c, { akia: '"$WS_KEY"', asia: '"$ASIA_KEY"' });
        const r = await sh(cmd);
        const want = EXPECTED_EXIT[c] ?? 0;
        if (r.code !== want) failures.push(`${c}\n    → exit ${r.code} (README: ${want}): ${(r.stderr.trim() || r.stdout.trim()).split('\n').filter((l) => /✗|error|hint/.test(l)).slice(0, 4).join(' | ')}`);
      }
    }
    console.log(`README examples skipped:\n  ${skipped.join('\n  ')}`);
    expect(failures, `README examples that do not work as written:\n${failures.join('\n')}`).toEqual([]);
  }, 600_000);
});
