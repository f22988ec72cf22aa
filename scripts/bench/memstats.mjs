// Preloaded into a server by memprobe.ts / cpuprobe.ts (node --import): on SIGUSR2 it writes one
// MEMSTATS line to stderr: RSS and its high-water mark, V8 heap spaces, external memory, CPU and GC time
// (and the same after a full GC when node runs with --expose-gc).

import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

let gcMs = 0,
  gcs = 0;
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) {
    gcMs += e.duration;
    gcs++;
  }
}).observe({ entryTypes: ['gc'] });
const mib = (b) => Math.round((b / 1048576) * 10) / 10;
process.on('SIGUSR2', () => {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  const snap = () => {
    const m = process.memoryUsage();
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, `${mib(s.space_used_size)}/${mib(s.space_size)}`]));
    const h = v8.getHeapStatistics();
    return {
      rss: mib(m.rss),
      heapTotal: mib(m.heapTotal),
      heapUsed: mib(m.heapUsed),
      external: mib(m.external),
      arrayBuffers: mib(m.arrayBuffers),
      mallocked: mib(h.malloced_memory),
      peakMalloc: mib(h.peak_malloced_memory),
      code: mib(h.total_physical_size),
      spaces,
    };
  };
  const before = snap();
  let after;
  if (globalThis.gc) {
    globalThis.gc();
    after = snap();
  }
  process.stderr.write(
    `MEMSTATS ${JSON.stringify({ cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000, gcMs, gcs, hwm: Math.round(kb('VmHWM')), rssAnon: Math.round(kb('RssAnon')), rssFile: Math.round(kb('RssFile')), before, afterGc: after })}\n`,
  );
});
