import type { ApiProcess } from './api-process.js';
import type { Stats } from './http.js';
import type { CustomerLoad } from './load.js';
import { mb } from './report.js';

/** What happened when during the load (faults, deaths), printed as it happens and kept for the JSON. */
export class Timeline {
  readonly events: { t: number; text: string }[] = [];

  constructor(
    private readonly stats: Stats,
    private readonly say: (text: string) => void,
  ) {}

  readonly event = (text: string): void => {
    const t = this.stats.seconds();
    this.events.push({ t, text });
    this.say(`${text} (t=${t.toFixed(1)} s)`);
  };
}

/** The API server's resident memory once a second, until the returned stop is called. */
export function sampleMemory(api: ApiProcess, stats: Stats): { memory: { t: number; kb: number }[]; stop: () => void } {
  const memory: { t: number; kb: number }[] = [];
  const sampler = setInterval(() => {
    const kb = api.rssKb();
    if (kb !== undefined) memory.push({ t: stats.seconds(), kb });
  }, 1000);
  return { memory, stop: () => clearInterval(sampler) };
}

/** A progress line every 5 s: requests by outcome, writes still open, memory, what is down. */
export function reportProgress(
  watched: {
    stats: Stats;
    load: CustomerLoad;
    api: ApiProcess;
    phase: { pgDown: boolean; redisDown: boolean; apiDown: boolean };
    loadEndsAt: number;
  },
  say: (text: string) => void,
): () => void {
  const { stats, load, api, phase } = watched;
  let last = { t: 0, total: 0 };
  const progress = setInterval(() => {
    const t = stats.seconds();
    const rate = (stats.total - last.total) / Math.max(0.001, t - last.t);
    last = { t, total: stats.total };
    const flags = [
      phase.pgDown ? 'PostgreSQL DOWN' : '',
      phase.redisDown ? 'Redis DOWN' : '',
      phase.apiDown ? 'API RESTARTING' : '',
    ]
      .filter(Boolean)
      .join(', ');
    say(
      `${performance.now() < watched.loadEndsAt ? 'load ' : 'drain'} t=${t.toFixed(0).padStart(3)}s ` +
        `req ${stats.total} (${rate.toFixed(0)}/s) 2xx ${stats.ok} 503 ${stats.s503} 409 ${stats.s409} ` +
        `net ${stats.network} hang ${stats.hangs} 5xx ${stats.s5xxOther} 4xx ${stats.s4xxOther} ` +
        `open writes ${load.inFlight} (last answer 409: ${load.heldBy409}) rss ${mb(api.rssKb())}${flags ? ` [${flags}]` : ''}`,
    );
  }, 5000);
  return () => clearInterval(progress);
}
