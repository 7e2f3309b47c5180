/** Runs a child process and measures its wall time and peak RSS. */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one measured child did. */
export interface Measured {
  readonly wallMs: number;
  /** Peak resident set size in KiB, from GNU time. */
  readonly maxRssKiB: number;
  /** CPU time (user + system) in ms, from GNU time (children it waited for included). */
  readonly cpuMs: number;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface MeasureOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Send stdout to /dev/null instead of capturing it (find -printf prints a line per file). */
  readonly discardStdout?: boolean;
}

const timeDir = mkdtempSync(join(tmpdir(), 'reclaim-bench-time-'));
process.on('exit', () => rmSync(timeDir, { recursive: true, force: true }));
let serial = 0;

/**
 * Runs `command args…` under `/usr/bin/time` (which reports the peak RSS of the child) and
 * times it from spawn to exit with the monotonic clock.
 */
export function measure(command: string, args: readonly string[], options: MeasureOptions = {}): Promise<Measured> {
  const timeFile = join(timeDir, `t${(serial += 1)}`);
  const devNull = options.discardStdout === true ? openSync('/dev/null', 'w') : undefined;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, command, ...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', devNull ?? 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (devNull !== undefined) closeSync(devNull);
      let maxRssKiB = Number.NaN;
      let cpuMs = Number.NaN;
      try {
        const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
        const [rss, user, system] = (lines[lines.length - 1] ?? '').split(' ').map(Number);
        maxRssKiB = rss ?? Number.NaN;
        cpuMs = ((user ?? Number.NaN) + (system ?? Number.NaN)) * 1000;
      } catch {
        // time did not write: the command could not start; the exit code says so.
      }
      resolve({ wallMs, maxRssKiB, cpuMs, code, stdout, stderr });
    });
  });
}

/** Runs a command to completion (no measuring); rejects on a non-zero exit. */
export function run(command: string, args: readonly string[], options: { cwd?: string; quiet?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: options.quiet === true ? 'ignore' : 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${String(code)}`))));
  });
}
