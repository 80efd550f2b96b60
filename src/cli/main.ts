// The only module that reads `process`: builds the real context, runs the program, sets the exit code.
import { userInfo } from 'node:os';
import { isatty } from 'node:tty';
import { createContext } from './context.js';
import { runCli } from './program.js';

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

// The AWS SDK warns on every run that its 2027 releases will need Node 22; that notice is for
// byok's developers (README), not for the admin running a command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// A reader that goes away (`byok audit list | head`) is not an error: the command still finishes
// its work and sets its exit code; what it would have printed goes nowhere.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

// A file size limit (ulimit -f) must surface as the EFBIG of the write that hit it, so the store can
// put the file back and say so. Node ignores SIGXFSZ, but signal-exit (under proper-lockfile)
// listens for it and re-raises it to kill the process when it is the only listener.
process.on('SIGXFSZ', () => undefined);

const ctx = createContext({
  io: {
    // process.stdin is built on first touch (a stream, ~2 ms); only commands that read it pay.
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: isatty(0),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
  },
  env: process.env,
  osUser: osUser(),
});

// No top-level await: the CLI is bundled as CommonJS (scripts/build.mjs says why).
void runCli(ctx, process.argv.slice(2)).then(async (code) => {
  process.exitCode = code;
  // Long-running commands (the emulator) keep the loop alive on purpose; everything else ends here.
  if (!ctx.keepAlive) {
    // Flush stdout/stderr before leaving; a native keyring call must never hold the process open.
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    process.exit(code);
  }
});
