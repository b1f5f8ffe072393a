/**
 * What runtimes print when an allocation fails under the address-space or heap limit: V8's
 * fatal heap error and ArrayBuffer failure, Python's MemoryError, C++'s bad_alloc, and the
 * strerror / "out of memory" wording of C programs and shells.
 */
const OUT_OF_MEMORY =
  /out of memory|Array buffer allocation failed|MemoryError|bad_alloc|Cannot allocate memory/i;

/**
 * Whether a child that we did not kill at the timeout died of the memory limit: it failed and
 * its last words say so, or it was SIGKILLed by someone else, which is what the kernel's OOM
 * killer does. A heuristic: a program can print those words, or kill itself, on purpose.
 */
export function diedOfMemory(
  exitCode: number | null,
  signal: string | null,
  stderrTail: string,
): boolean {
  if (exitCode === 0) return false;
  return signal === 'SIGKILL' || OUT_OF_MEMORY.test(stderrTail);
}
