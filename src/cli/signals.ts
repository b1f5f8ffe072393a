/**
 * Call `stop` on the first SIGINT (Ctrl-C) or SIGTERM (a service manager, `kill`), so that the
 * work in hand ends cleanly; a second one ends the process at once, as usual. Returns what
 * removes the handlers (call it when the work ends by itself).
 */
export function onStopSignal(stop: () => void): () => void {
  const off = (): void => {
    process.off('SIGINT', once);
    process.off('SIGTERM', once);
  };
  const once = (): void => {
    off();
    stop();
  };
  process.on('SIGINT', once);
  process.on('SIGTERM', once);
  return off;
}
