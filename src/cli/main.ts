// The only module that reads `process`: builds the real context, runs the program, sets the exit code.
import { createContext } from './context.js';
import { runCli } from './program.js';
import { DirectStdout, type Output } from './stdout.js';

function osUser(): string {
  try {
    // Loaded when asked (BYOK_USER unset): a command that is told who acts never loads node:os.
    return (require('node:os') as typeof import('node:os')).userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

// The AWS SDK warns on every run that its 2027 releases will need Node 22; that notice is for
// byok's developers (README), not for the admin running a command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// A file size limit (ulimit -f) must surface as the EFBIG of the write that hit it, so the store can
// put the file back and say so. Node ignores SIGXFSZ, but signal-exit (under proper-lockfile)
// listens for it and re-raises it to kill the process when it is the only listener.
process.on('SIGXFSZ', () => undefined);

// The process streams and their TTY facts are built on first use: Node builds process.stdin,
// stdout and stderr as streams (a pipe's or a terminal's loads node:net), and node:tty loads
// node:net too; a local command that writes only to stdout pays for nothing else.
let ttyModule: typeof import('node:tty') | undefined;
// require(), not import: this file is only ever bundled as CommonJS (scripts/build.mjs), and import() is async.
const isatty = (fd: number): boolean => (ttyModule ??= require('node:tty') as typeof import('node:tty')).isatty(fd);
// A reader that goes away (`byok audit list | head`) is not an error: the command still finishes
// its work and sets its exit code; what it would have printed goes nowhere.
const ignoreEpipe = (stream: NodeJS.WriteStream): NodeJS.WriteStream =>
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
let stdout: Output | undefined;
let stderr: NodeJS.WriteStream | undefined;
let direct: DirectStdout | undefined;

/** Output that could not be written, said on stderr without a stack trace (the exit code then says it failed). */
function reportLostOutput(failure: NodeJS.ErrnoException): void {
  ctx.io.stderr.write(`error: the output could not be written to stdout (${failure.code ?? 'write failed'}: ${failure.message.replace(/^[A-Z]+: /, '').replace(/, write$/, '')}); what was printed is incomplete.\nFree space or lift the file size limit, or send the output elsewhere, and run the command again.\n`);
}
/**
 * A long-running command (the emulator, the gateway) prints what its user needs first (the
 * endpoint, the exports) and then serves: if that is lost there is no one to tell later, so it
 * stops at once. Any other command finishes and reports when it exits.
 */
function lostOutput(failure: NodeJS.ErrnoException): void {
  if (!ctx.keepAlive) return;
  reportLostOutput(failure);
  process.exit(1);
}
const memo = <T>(f: () => T): (() => T) => {
  let v: { value: T } | undefined;
  return () => (v ??= { value: f() }).value;
};
const stdinIsTTY = memo(() => isatty(0));
const stdoutIsTTY = memo(() => isatty(1));
const stderrIsTTY = memo(() => isatty(2));

const ctx = createContext({
  io: {
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return (stdout ??= (direct = DirectStdout.open(1, () => process.stdout, lostOutput)) ?? ignoreEpipe(process.stdout));
    },
    get stderr() {
      return (stderr ??= ignoreEpipe(process.stderr));
    },
    get stdinIsTTY() {
      return stdinIsTTY();
    },
    get stdoutIsTTY() {
      return stdoutIsTTY();
    },
    get stderrIsTTY() {
      return stderrIsTTY();
    },
  },
  env: process.env,
  // A getter: read only when BYOK_USER does not name the user.
  get osUser() {
    return osUser();
  },
});

// No top-level await: the CLI is bundled as CommonJS (scripts/build.mjs says why).
void runCli(ctx, process.argv.slice(2)).then(async (code) => {
  process.exitCode = code;
  // Long-running commands (the emulator) keep the loop alive on purpose; everything else ends here.
  if (!ctx.keepAlive) {
    // Flush stdout before leaving; a native keyring call must never hold the process open. Node's
    // stream is always waited for: a write that failed synchronously (ENOSPC on a full disk) raises
    // its error on a later tick with writableLength already 0, and leaving at once would exit 0
    // with the output lost.
    if (direct) await direct.flush();
    else if (stdout) await new Promise<void>((resolve) => stdout!.write('', () => resolve()));
    // Output that could not be written is a failed command, said on stderr without a stack trace.
    const failure = direct?.failure;
    if (failure) {
      reportLostOutput(failure);
      if (code === 0) code = 1;
    }
    process.exit(code);
  }
});
