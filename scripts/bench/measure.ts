// Timing and memory helpers. Every loop is bounded in count and in time.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Latencies {
  n: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  mean: number;
}

export function summarise(ms: number[]): Latencies {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN);
  const round = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: round(at(0.5)), p90: round(at(0.9)), p95: round(at(0.95)), p99: round(at(0.99)), mean: round(s.reduce((a, b) => a + b, 0) / (s.length || 1)) };
}

/** Runs `fn` up to `count` times one after another, stopping early after `maxMs`. */
export async function sequential(fn: (i: number) => Promise<unknown>, count: number, maxMs: number): Promise<Latencies> {
  const out: number[] = [];
  const end = performance.now() + maxMs;
  for (let i = 0; i < count && performance.now() < end; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return summarise(out);
}

/** Runs `fn` `total` times with `concurrency` in flight (stopping early after `maxMs`); returns latencies and throughput. */
export async function concurrent<T>(
  fn: (i: number) => Promise<T>,
  total: number,
  concurrency: number,
  maxMs: number,
): Promise<{ latency: Latencies; perSecond: number; results: T[]; errors: number }> {
  const out: number[] = [];
  const results: T[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + maxMs;
  let next = 0;
  const worker = async () => {
    while (next < total && performance.now() < end) {
      const i = next++;
      const t = performance.now();
      try {
        results.push(await fn(i));
        out.push(performance.now() - t);
      } catch {
        // A refused or timed-out connection (the reference's single-threaded server drops some
        // under concurrency): counted, not timed.
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  return { latency: summarise(out), perSecond: Math.round((out.length / seconds) * 100) / 100, results, errors };
}

/** Peak and current resident memory of a process, in MiB (Linux /proc). */
export function memoryOf(pid: number | undefined): { peakMiB: number; rssMiB: number } | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { peakMiB: Math.round(kb('VmHWM') / 1024), rssMiB: Math.round(kb('VmRSS') / 1024) };
  } catch {
    return undefined;
  }
}

/** The process listening on a loopback port (to read the reference's memory), via `ss`. */
export function pidListeningOn(port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The process and its descendants (a gunicorn master and its workers), from /proc. */
export function processTree(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/PID/stat, after the parenthesised command (which may hold spaces).
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [child, ppid] of parent) if (ppid === out[i]) out.push(child);
  return out;
}

/**
 * Samples the resident memory of groups of processes while the bench runs: the highest VmRSS seen
 * per process, and the kernel's own high-water mark (VmHWM) when the group is read, whichever is
 * higher. A group is a root process and its descendants, found again at every sample.
 */
export class RssSampler {
  private peaks = new Map<string, Map<number, number>>();
  private roots = new Map<string, number[]>();
  private timer = setInterval(() => this.sample(), 200);

  watch(group: string, pids: number[]): void {
    this.roots.set(group, pids);
    this.sample();
  }

  private sample(): void {
    for (const [group, roots] of this.roots) {
      const peaks = this.peaks.get(group) ?? new Map<number, number>();
      this.peaks.set(group, peaks);
      for (const pid of roots.flatMap(processTree)) {
        const m = memoryOf(pid);
        if (m) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, m.rssMiB, m.peakMiB));
      }
    }
  }

  /** Highest peak of one process of the group, and the peaks of all its processes added up. */
  read(group: string): { perProcessMiB: number; totalMiB: number; processes: number } | undefined {
    this.sample();
    const peaks = [...(this.peaks.get(group)?.values() ?? [])];
    if (!peaks.length) return undefined;
    return { perProcessMiB: Math.max(...peaks), totalMiB: peaks.reduce((a, b) => a + b, 0), processes: peaks.length };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
