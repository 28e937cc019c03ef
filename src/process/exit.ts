/**
 * Whether radar may end its process at once, once a command has finished and its output is
 * written: node's own exit, when the event loop has drained, first tears down the environment
 * and the heap (about 8 ms of a cron re-ingest's 200). Only when nothing is left running:
 * `active` is process.getActiveResourcesInfo(), and anything in it (a write in flight, a timer,
 * a server, a child's pipe, a stream) waits for node's own exit. A file node is still closing
 * (`CloseReq`: its module loader's last read, closed without being awaited) is no work left;
 * the system closes it with the process. Undefined (a node without that function): wait.
 */
export function exitsAtOnce(active: readonly string[] | undefined): boolean {
  return active !== undefined && active.every((resource) => resource === 'CloseReq');
}
