// The layers (DESIGN §3, issue 12), checked on the source: imports point down only
// (cli → app → aws/store → core), core is pure, no command imports another command, and there is
// no import cycle. A new import that breaks one of these fails here, naming the file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Edge { from: string; to: string; dynamic: boolean }

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const f of files(SRC)) {
    const text = readFileSync(f, 'utf8');
    const add = (spec: string, dynamic: boolean) => {
      if (!spec.startsWith('.')) return;
      out.push({ from: relative(SRC, f), to: relative(SRC, resolve(dirname(f), spec.replace(/\.js$/, '.ts'))), dynamic });
    };
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^'";]*?from\s+'([^']+)'/gm)) add(m[1]!, false);
    for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) add(m[1]!, false);
    for (const m of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) add(m[1]!, true);
  }
  return out;
}

const layer = (p: string) => p.split('/')[0]!;

describe('the layers of src/', () => {
  const all = edges();

  it('finds the imports it checks (the walker itself works)', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(all.some((e) => e.from === 'cli/program.ts' && e.to === 'cli/commands/invoke.ts' && e.dynamic)).toBe(true);
  });

  it('nothing below the CLI imports from src/cli', () => {
    expect(all.filter((e) => layer(e.from) !== 'cli' && layer(e.to) === 'cli').map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('aws/ and store/ import neither the workflows (app/) nor the CLI', () => {
    expect(all.filter((e) => ['aws', 'store'].includes(layer(e.from)) && ['app', 'cli'].includes(layer(e.to))).map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('the public API (src/index.ts) imports the workflows and core, never the CLI', () => {
    const fromIndex = all.filter((e) => e.from === 'index.ts');
    expect(fromIndex.length).toBeGreaterThan(0);
    expect(fromIndex.filter((e) => layer(e.to) === 'cli').map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('core/ imports only core/', () => {
    expect(all.filter((e) => layer(e.from) === 'core' && layer(e.to) !== 'core').map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('no command file imports another command file', () => {
    const cmd = (p: string) => p.startsWith('cli/commands/') && p !== 'cli/commands/shared.ts';
    expect(all.filter((e) => cmd(e.from) && cmd(e.to) && e.from !== e.to).map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('no command file imports from src/aws: commands reach AWS only through the workflows (src/app/)', () => {
    // Static, type-only and dynamic imports alike: a command that calls an AWS adapter holds a
    // workflow the library and the gateway cannot use.
    expect(all.filter((e) => e.from.startsWith('cli/commands/') && layer(e.to) === 'aws').map((e) => `${e.from} -> ${e.to}${e.dynamic ? ' (dynamic)' : ''}`)).toEqual([]);
  });

  it('there is no cycle among the static imports', () => {
    const next = new Map<string, string[]>();
    for (const e of all.filter((x) => !x.dynamic)) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (n: string) => {
      state.set(n, 'open');
      stack.push(n);
      for (const m of next.get(n) ?? []) {
        if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m].join(' -> '));
        else if (!state.has(m)) visit(m);
      }
      stack.pop();
      state.set(n, 'done');
    };
    for (const n of next.keys()) if (!state.has(n)) visit(n);
    expect(cycles).toEqual([]);
  });
});
