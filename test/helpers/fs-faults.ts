// Disk failures on demand, in this process: a full disk (ENOSPC), a read-only file system
// (EROFS), a file byok may not read (EACCES) — what a test cannot otherwise produce here, since the
// tests run as root (chmod does not stop root) on a disk with room.
//
// Import this module BEFORE anything that may load conf, atomically or stubborn-fs: those copy
// node:fs's functions when they load, so they must copy the wrappers installed here. Each wrapper
// asks the fault table on every call; with no fault armed it calls node's own function. byok's
// modules import node:fs by name, and module.syncBuiltinESMExports() makes those bindings the
// wrappers too. A fault names the function, a test on the path (or on the descriptor's path, for
// the calls that take a descriptor), the error code, and how many calls it lets pass first.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const fs = createRequire(import.meta.url)('node:fs') as Record<string, (...a: unknown[]) => unknown>;

// The callback form of mkdir is proper-lockfile's (through graceful-fs): the lock is a directory.
const ASYNC = ['mkdir'] as const;
const WRAPPED = ['accessSync', 'readFileSync', 'openSync', 'writeSync', 'fsyncSync', 'ftruncateSync', 'fchmodSync', 'mkdirSync', 'chmodSync', 'lstatSync', 'statSync', 'renameSync', 'writeFileSync', 'closeSync', 'fstatSync'] as const;
export type FsCall = (typeof WRAPPED)[number] | (typeof ASYNC)[number];

interface Fault {
  call: FsCall;
  path: (p: string) => boolean;
  code: string | null;
  /** Calls that match and still succeed before the fault fires. */
  after: number;
  /** How many times it fires (then it is spent); Infinity for "until cleared". */
  times: number;
  /** writeSync only: the first matching call writes half of what it was asked for, for real (a short write); the next one throws. */
  short: boolean;
  fired: number;
}

const faults: Fault[] = [];
/** Descriptor → the path it was opened with (for calls that take a descriptor). */
const fds = new Map<number, string>();

/** The error node would throw; with code null, one that carries no errno at all. */
function errno(code: string | null, call: string, path: string): Error {
  if (code === null) return new Error(`injected by the test without an errno, ${call} '${path}'`);
  return Object.assign(new Error(`${code}: injected by the test, ${call} '${path}'`), { code, syscall: call.replace(/Sync$/, ''), path });
}

for (const name of WRAPPED) {
  const real = fs[name]!;
  fs[name] = function wrapped(this: unknown, ...args: unknown[]) {
    const target = typeof args[0] === 'number' ? fds.get(args[0]) ?? `fd:${args[0]}` : String(args[0]);
    for (const f of faults) {
      if (f.call !== name || f.times <= 0 || !f.path(target)) continue;
      if (f.after > 0) {
        f.after -= 1;
        continue;
      }
      if (f.short && f.fired === 0 && name === 'writeSync' && typeof args[3] === 'number' && args[3] > 1) {
        f.fired += 1;
        return real.call(this, args[0], args[1], args[2], Math.floor(args[3] / 2), args[4]);
      }
      f.times -= 1;
      f.fired += 1;
      throw errno(f.code, name, target);
    }
    const out = real.apply(this, args);
    if (name === 'openSync' && typeof out === 'number') fds.set(out, String(args[0]));
    if (name === 'closeSync' && typeof args[0] === 'number') fds.delete(args[0]);
    return out;
  };
}
for (const name of ASYNC) {
  const real = fs[name]!;
  fs[name] = function wrapped(this: unknown, ...args: unknown[]) {
    const target = String(args[0]);
    const done = args[args.length - 1];
    for (const f of faults) {
      if (f.call !== name || f.times <= 0 || !f.path(target) || typeof done !== 'function') continue;
      if (f.after > 0) {
        f.after -= 1;
        continue;
      }
      f.times -= 1;
      f.fired += 1;
      const e = errno(f.code, name, target);
      process.nextTick(() => (done as (err: Error) => void)(e));
      return undefined;
    }
    return real.apply(this, args);
  };
}
syncBuiltinESMExports();

/** Arms a fault; returns it so a test can ask whether it fired. */
export function failFs(call: FsCall, path: string | RegExp | ((p: string) => boolean), code: string | null, o: { after?: number; times?: number; short?: boolean } = {}): { readonly fired: number } {
  const test = typeof path === 'function' ? path : typeof path === 'string' ? (p: string) => p === path : (p: string) => path.test(p);
  const f: Fault = { call, path: test, code, after: o.after ?? 0, times: o.times ?? Infinity, short: o.short ?? false, fired: 0 };
  faults.push(f);
  return f;
}

/** Disarms every fault (call it in afterEach). */
export function clearFsFaults(): void {
  faults.length = 0;
}
