/** How a probe hands its figures to the benchmark: one JSON line on stdout, peak RSS included. */
export function report(figures: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...figures, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
}

/** The n-th command-line argument, required. */
export function arg(n: number, name: string): string {
  const value = process.argv[2 + n];
  if (value === undefined) throw new Error(`missing argument ${n + 1}: ${name}`);
  return value;
}
