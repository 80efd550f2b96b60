// Placeholder until the emulator lands (issue 3).
export async function runEmulatorCommand(_argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }, _env: Readonly<Record<string, string | undefined>>): Promise<number> {
  io.stderr.write('The emulator is not built yet.\n');
  return 2;
}
