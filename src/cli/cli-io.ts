/** What the command line reads and writes: the real process, or a test's capture. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** Exit codes of the `reclaim` command (SPEC §7). */
export const EXIT = { ok: 0, ranWithErrors: 1, usage: 2 } as const;

/** Formats bytes as MiB/KiB for people (JSON output keeps raw numbers). */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'unknown';
  if (bytes >= 1_048_576) return `${(bytes / 1_048_576).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
