/**
 * The hot counter and histogram (src/observability/hot-metrics.ts) expose
 * exactly what prom-client's own Counter and Histogram expose for the same
 * updates: the text format a scrape reads, the JSON form, after a reset.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotCounter, HotHistogram } from '../../src/observability/hot-metrics.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

function pair() {
  const theirs = new Registry();
  const ours = new Registry();
  const counter = {
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
  };
  const histogram = {
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'] as const,
    buckets: BUCKETS,
  };
  return {
    theirs,
    ours,
    counters: [
      new Counter({ ...counter, labelNames: [...counter.labelNames], registers: [theirs] }),
      new HotCounter({ ...counter, registers: [ours] }),
    ] as const,
    histograms: [
      new Histogram({ ...histogram, labelNames: [...histogram.labelNames], registers: [theirs] }),
      new HotHistogram({ ...histogram, registers: [ours] }),
    ] as const,
  };
}

describe('hot metrics', () => {
  it('expose what prom-client exposes for the same updates', async () => {
    const { theirs, ours, counters, histograms } = pair();
    const routes = ['/graphql', '/readyz', 'other'];
    // Values on, below, between and above the bounds, in every series.
    const values = [0, 0.0001, 0.001, 0.0011, 0.003, 0.05, 0.7, 1, 4.99, 5, 7.5, 120];
    let n = 0;
    for (const method of ['POST', 'GET'])
      for (const route of routes)
        for (const value of values) {
          const status = n++ % 5 === 0 ? '500' : '200';
          for (const c of counters) c.inc({ method, route, status });
          counters[0].inc({ method, route, status }, 2.5);
          counters[1].inc({ method, route, status }, 2.5);
          for (const h of histograms) h.observe({ method, route }, value);
        }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
    expect((await counters[1].get()).values).toEqual((await counters[0].get()).values);

    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    counters[1].inc({ method: 'GET', route: 'other', status: '404' });
    counters[0].inc({ method: 'GET', route: 'other', status: '404' });
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('refuse what prom-client refuses: a negative or infinite count, a non-finite duration (and a NaN count, which prom-client would add)', () => {
    const { counters, histograms } = pair();
    const labels = { method: 'GET', route: 'other', status: '200' };
    for (const c of counters) {
      expect(() => c.inc(labels, -1)).toThrow();
      expect(() => c.inc(labels, Infinity)).toThrow();
    }
    expect(() => counters[1].inc(labels, Number.NaN)).toThrow();
    for (const h of histograms)
      expect(() => h.observe({ method: 'GET', route: 'x' }, Infinity)).toThrow();
  });
});
