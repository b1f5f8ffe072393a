/**
 * Whether a process with this pid exists on this machine (signal 0 checks without sending
 * anything; EPERM: it exists but belongs to someone else).
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
