/** Whether a process (or, negative, a process group) exists; EPERM means it does. */
export function processAlive(pid: number | null): boolean {
  if (pid === null || pid === 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
