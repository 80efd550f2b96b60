// The export and the settings check over every geography and source region byok accepts: what
// export writes never names a profile or region outside the geography, and the check passes it.
// Prefixes per geography and the source regions are reference aws.md §2 (typed here, not read
// from byok's table); residency sets are DESIGN §4.2 (US = United States, EU = EU member states).
import { describe, expect, it } from 'vitest';
import { checkClaudeCodeSettings, claudeCodeExport, MODEL_VARS, REGION_VARS } from '../../../src/core/claude-code.js';
import type { Geography } from '../../../src/core/config-doc.js';

const CASES: [Geography, string[], RegExp, RegExp][] = [
  ['us', ['us-east-1', 'us-east-2', 'us-west-2'], /^us\.anthropic\./, /^us-(east|west)-\d$/],
  ['eu', ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'], /^eu\.anthropic\./, /^eu-(central|north|south|west)-\d$/],
  ['apac', ['ap-northeast-1', 'ap-northeast-3', 'ap-southeast-2', 'ap-southeast-4'], /^(jp|au)\.anthropic\./, /^ap-/],
  ['global', ['us-east-1', 'eu-west-1', 'ap-northeast-1'], /^global\.anthropic\./, /^[a-z]{2}-[a-z]+-\d$/],
];

const facts = { path: 'settings.json', readableByOthers: false, credentialFindings: [] };

describe('claudeCodeExport over every geography and source region', () => {
  for (const [geography, regions, prefix, regionRe] of CASES) {
    for (const region of regions) {
      for (const gateway of [undefined, 'http://127.0.0.1:8787']) {
        it(`${geography} from ${region}${gateway ? ' via the gateway' : ''}: every model in the geography, the region its own, and the check passes it`, () => {
          const r = claudeCodeExport({ workspace: 'w', geography, region, gateway });
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const env = r.value.settings.env;
          for (const v of MODEL_VARS.filter((m) => m !== 'CLAUDE_CODE_SUBAGENT_MODEL')) expect(env[v], v).toMatch(prefix);
          for (const v of REGION_VARS.filter((x) => env[x] !== undefined)) expect(env[v], v).toBe(region);
          expect(region).toMatch(regionRe);
          expect(Object.values(env).join(' ')).not.toMatch(/haiku/);
          const findings = checkClaudeCodeSettings(r.value.settings, env, { workspace: 'w', geography, region, gateway }, facts);
          expect(findings.filter((f) => f.status === 'fail')).toEqual([]);
        });
      }
    }
  }

  it('refuses a region that is no source of the geography, and names no region outside it', () => {
    const r = claudeCodeExport({ workspace: 'w', geography: 'eu', region: 'eu-west-2' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(`${r.error.reason} ${r.error.hint}`).not.toMatch(/\bus-(?:east|west)-\d/);
  });
});

describe('checkClaudeCodeSettings: prefixes and regions outside the geography fail', () => {
  const base = () => {
    const r = claudeCodeExport({ workspace: 'w', geography: 'us', region: 'us-east-1' });
    if (!r.ok) throw new Error('export');
    return r.value.settings;
  };
  it.each([
    ['ANTHROPIC_MODEL', 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0'],
    ['ANTHROPIC_DEFAULT_SONNET_MODEL', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0'],
    ['ANTHROPIC_DEFAULT_OPUS_MODEL', 'arn:aws:bedrock:ca-central-1:123456789012:inference-profile/us.anthropic.claude-opus-4-5-20251101-v1:0'],
    ['AWS_REGION', 'ca-central-1'],
    ['ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION', 'eu-west-1'],
  ])('a US workspace: %s = %s fails', (name, value) => {
    const s = base();
    s.env[name] = value;
    const f = checkClaudeCodeSettings(s, s.env, { workspace: 'w', geography: 'us', region: 'us-east-1' }, facts);
    expect(f.filter((x) => x.status === 'fail').map((x) => x.name)).toEqual([name]);
  });
});

describe('the credential_process line carries BYOK_CONFIG_DIR only where ~/.aws/config can hold it', () => {
  const line = (configDir?: string) => {
    const r = claudeCodeExport({ workspace: 'w', geography: 'eu', region: 'eu-west-1', configDir });
    if (!r.ok) throw new Error(r.error.reason);
    return { section: r.value.awsProfile!.configSection, notes: r.value.notes.join(' ') };
  };
  it('a plain directory as one shell word; one with spaces or quotes single-quoted', () => {
    expect(line('/srv/byok').section).toContain('credential_process = env BYOK_CONFIG_DIR=/srv/byok byok credential-process --workspace w\n');
    expect(line("/srv/it's here").section).toContain(`credential_process = env BYOK_CONFIG_DIR='/srv/it'\\''s here' byok credential-process --workspace w\n`);
    expect(line(undefined).section).toContain('credential_process = byok credential-process --workspace w\n');
  });
  it('a line break, a control character, # or ; is never put on the line (it could start a line of its own, or cut the value): left out and said', () => {
    for (const dir of ['/tmp/x\ncredential_process = touch /tmp/PWNED #', '/tmp/x\rcredential_process = y', '/tmp/c #1', '/tmp/c ;1', '/tmp/tab\there']) {
      const { section, notes } = line(dir);
      expect(section.split('\n'), JSON.stringify(dir)).toEqual(['[profile byok-w]', 'credential_process = byok credential-process --workspace w', 'region = eu-west-1']);
      expect(notes).toContain('BYOK_CONFIG_DIR holds a character ~/.aws/config cannot carry');
    }
  });
});
