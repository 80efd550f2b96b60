#!/usr/bin/env node
// byok's command. CommonJS (bin/package.json), like the CLI file it starts, because the ESM loader
// alone costs more start-up than a local command's work (scripts/build.mjs has the figures).
'use strict';
const a = process.argv.slice(2);
if (a.length === 1 && (a[0] === '--version' || a[0] === '-V')) {
  // The version is all --version needs: nothing else loads. Written to the descriptor directly:
  // process.stdout would build a stream (node:stream and ~20 modules with it) for one line.
  try {
    require('node:fs').writeSync(1, `${require('../package.json').version}\n`);
  } catch {
    process.exitCode = 1; // stdout closed or full: nothing to say it on
  }
} else {
  const { readFileSync } = require('node:fs');
  const { dirname, join } = require('node:path');
  const { createRequire } = require('node:module');
  const { Script } = require('node:vm');
  const file = join(__dirname, '..', 'dist', 'cli', 'main.cjs');
  // The file is one function expression (scripts/build.mjs writes the wrapper into it): CommonJS's
  // parameters plus `__byok`, the file's import() calls, which must come from here (Node 20 loses
  // them in code compiled from a cache). The build writes a V8 code cache beside the file, so V8
  // need not parse all of it on every start. V8 itself checks a cache only against the source's
  // length (and its own version and flags): a cache made for another file of the same length would
  // run that file's bytecode, and a damaged one can crash V8. So the cache starts with the SHA-256
  // of the file's bytes and the cache data together, and is used only when that matches;
  // otherwise V8 compiles the source as usual. The hash is taken over the bytes, not the decoded
  // string: hashing a string makes Node encode all of it again (measured).
  // Each command people run often has a cache of only what it runs (scripts/build.mjs says why);
  // any other command, or a group's cache that is missing, takes the default one.
  let group;
  for (let i = 0; i < a.length && group === undefined; i++) {
    if (a[i] === '-w' || a[i] === '--workspace') i++;
    else if (a[i] === '--') group = a[i + 1] ?? '';
    else if (!a[i].startsWith('-')) group = a[i];
  }
  const groupCache = group === 'policy' || group === 'route' || group === 'credential-process' ? `${file}.${group}.cache` : undefined;
  const bytes = readFileSync(file);
  let cachedData;
  try {
    let cache;
    try {
      cache = readFileSync(groupCache ?? `${file}.cache`);
    } catch (e) {
      if (groupCache === undefined) throw e;
      cache = readFileSync(`${file}.cache`);
    }
    const data = cache.subarray(32);
    const sum = require('node:crypto').createHash('sha256').update(bytes).update(data).digest();
    if (cache.length > 32 && sum.equals(cache.subarray(0, 32))) cachedData = data;
  } catch {
    cachedData = undefined;
  }
  // The build checked that the file it hashed is ASCII, so with a matching cache Latin-1 reads it
  // exactly, and faster (no UTF-8 validation); a file changed since is read as UTF-8.
  const source = bytes.toString(cachedData === undefined ? 'utf8' : 'latin1');
  const script = new Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file), (specifier) => import(specifier));
}
