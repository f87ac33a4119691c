// Shared measuring tools for benchmarks: timing samples, percentiles, and the one summary line
// every benchmark ends with (DESIGN.md §9):
//   bench <name>: <metric>=<value> … ratio=<ours/raw> target=<target> (met|missed)

export interface Stats {
  count: number;
  p50: number;
  p99: number;
  mean: number;
}

/** The sample at quantile `q` (0–1) of sorted samples (nearest rank); NaN when there are none. */
function atQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

export function percentile(samplesMs: readonly number[], q: number): number {
  return atQuantile(
    [...samplesMs].sort((a, b) => a - b),
    q,
  );
}

export function stats(samplesMs: number[]): Stats {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  return {
    count: sorted.length,
    p50: atQuantile(sorted, 0.5),
    p99: atQuantile(sorted, 0.99),
    mean,
  };
}

/** Runs `fn` and returns its duration in milliseconds (high resolution). */
export async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function ms(value: number): string {
  return `${value.toFixed(3)}ms`;
}

export function summaryLine(
  name: string,
  metrics: Record<string, string>,
  ratio: number,
  target: string,
  met: boolean,
): string {
  const pairs = Object.entries(metrics).map(([k, v]) => `${k}=${v}`);
  return `bench ${name}: ${pairs.join(' ')} ratio=${ratio.toFixed(2)} target=${target} (${met ? 'met' : 'missed'})`;
}
