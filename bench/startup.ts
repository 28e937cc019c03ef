import { CLI, fmt, median, ratio, timeCommand } from './common.js';

/** `node dist/bench/startup.js`: `radar --help` against `node -e 0`, medians of 21 runs each. */
const runs = 21;
const node: number[] = [];
const radar: number[] = [];
for (let i = 0; i < runs; i++) {
  // Interleaved, so machine noise hits both alike.
  node.push(timeCommand(process.execPath, ['-e', '0']));
  radar.push(timeCommand(process.execPath, [CLI, '--help']));
}
const n = median(node);
const r = median(radar);
process.stdout.write(
  `node -e 0: ${fmt(n)}; radar --help: ${fmt(r)}; ratio ${ratio(r, n)} (goal < 2×)\n`,
);
