/**
 * The watchdog of one contained child (see `contain` in run.ts), as its own process:
 * `node watchdog.js <tag> <deadlineMs> <graceMs>`. radar starts it detached (a session of its
 * own: no signal from the terminal reaches it) before the child, with a pipe on stdin, writes
 * `watch <pgid>` once the child runs and `done` once it has seen the child's session end.
 *
 * It stops the session (SIGTERM, SIGKILL after the grace: the group, its descendants and every
 * process carrying the tag) when the pipe closes without `done` — radar died, whatever killed it
 * — or when the deadline passes first. So a child never outlives radar, nor its time limit, and
 * radar being killed with SIGKILL changes neither. Then it exits.
 */
import { stopSession } from './tree.js';

const [tag, deadlineText, graceText] = process.argv.slice(2);
const deadlineMs = Number(deadlineText);
const graceMs = Number(graceText);
if (!tag || !Number.isFinite(deadlineMs) || !Number.isFinite(graceMs)) {
  process.stderr.write('usage: watchdog <NAME=value> <deadlineMs> <graceMs>\n');
  process.exit(2);
}

let pgid: number | null = null;
let stopping = false;
let input = '';

const stop = () => {
  if (stopping) return;
  stopping = true;
  void stopSession(pgid, tag, graceMs).finally(() => process.exit(0));
};

const deadline = deadlineMs > 0 ? setTimeout(stop, deadlineMs) : undefined;
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  input += chunk;
  for (let nl = input.indexOf('\n'); nl !== -1; nl = input.indexOf('\n')) {
    const line = input.slice(0, nl).trim();
    input = input.slice(nl + 1);
    const watch = /^watch (\d+)$/.exec(line);
    if (watch) pgid = Number(watch[1]);
    else if (line === 'done' && !stopping) {
      if (deadline) clearTimeout(deadline);
      process.exit(0);
    }
  }
});
// End of input without `done`: radar is gone.
process.stdin.on('end', stop);
process.stdin.on('error', stop);
