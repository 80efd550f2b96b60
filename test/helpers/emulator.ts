// Starts the byok emulator in-process on a free port for a test file.
import { startEmulator, type EmulatorHandle } from '../../src/emulator/server.js';
import { EmulatorControl } from '../../src/emulator/control-client.js';

export interface TestEmulator extends EmulatorHandle {
  control: EmulatorControl;
  /** Endpoint variables plus what keeps the SDK and the AWS CLI away from the host's own config. */
  clientEnv: Record<string, string>;
}

export async function startTestEmulator(opts: { latencyMs?: number } = {}): Promise<TestEmulator> {
  const h = await startEmulator({ port: 0, latencyMs: opts.latencyMs });
  return {
    ...h,
    control: new EmulatorControl(h.url),
    clientEnv: { ...h.env, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
  };
}

export function sdkConfig(h: EmulatorHandle, region: string, creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, endpoint = h.url) {
  return { region, endpoint, credentials: creds, maxAttempts: 1 };
}
