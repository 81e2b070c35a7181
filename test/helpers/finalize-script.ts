import { spawn } from 'node:child_process';
import path from 'node:path';

/** deploy/jibri/finalize.sh, run as Jibri runs it: `sh finalize.sh <session directory>` (dash + curl). */

export const FINALIZE_SCRIPT = path.resolve(__dirname, '../../deploy/jibri/finalize.sh');

export interface FinalizeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the script with a clean environment (PATH, no settings file, short retries and timeouts)
 * plus `env`, which must at least give RECORDER_SERVICE_URL and JIBRI_UPLOAD_TOKEN.
 */
export function runFinalizeScript(dir: string, env: Record<string, string>): Promise<FinalizeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [FINALIZE_SCRIPT, dir], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        JIBRI_FINALIZE_ENV_FILE: '/nonexistent/finalize.env',
        JIBRI_FINALIZE_MAX_ATTEMPTS: '2',
        JIBRI_FINALIZE_RETRY_DELAY: '0',
        JIBRI_FINALIZE_CONNECT_TIMEOUT: '5',
        JIBRI_FINALIZE_REQUEST_TIMEOUT: '10',
        JIBRI_FINALIZE_UPLOAD_MAX_TIME: '30',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
