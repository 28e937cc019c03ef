import { run } from '../src/process/run.js';
import { findSession, readProcs } from '../src/process/tree.js';
import { fmt, median, ratio } from './common.js';

/**
 * `node dist/bench/contain.js`: what containing a child costs (its watchdog, the `/proc` looks at
 * its end), a run of `true` contained against a plain one, medians of 21 interleaved runs each,
 * and one session lookup over this machine's process table.
 */
const runs = 21;
const plain: number[] = [];
const contained: number[] = [];
const lookup: number[] = [];
const timed = async (f: () => unknown): Promise<number> => {
  const t = performance.now();
  await f();
  return performance.now() - t;
};
await run('true');
for (let i = 0; i < runs; i++) {
  plain.push(await timed(() => run('true')));
  contained.push(await timed(() => run('true', { contain: { tag: `RADAR_BENCH=${i}` } })));
  lookup.push(await timed(() => findSession(null, 'RADAR_BENCH=none')));
}
const p = median(plain);
const c = median(contained);
process.stdout.write(
  `run(true): plain ${fmt(p)}, contained ${fmt(c)}, ratio ${ratio(c, p)}; ` +
    `one session lookup over ${readProcs().length} processes: ${fmt(median(lookup))}\n`,
);
