import { constants } from 'node:os';

/**
 * Call `stop` on the first SIGINT (Ctrl-C) or SIGTERM (a service manager, `kill`), so that the
 * work in hand ends cleanly; a second one quits at once, with the shell's code for the signal
 * (130, 143), through process.exit, so that the exit hooks run (the sandbox's kill the
 * evaluations in flight, which run in sessions of their own). Returns what removes the handlers
 * (call it when the work ends by itself).
 */
export function onStopSignal(stop: () => void): () => void {
  const off = (): void => {
    for (const signal of SIGNALS) {
      process.off(signal, first);
      process.off(signal, quit);
    }
  };
  const first = (): void => {
    for (const signal of SIGNALS) {
      process.off(signal, first);
      process.on(signal, quit);
    }
    stop();
  };
  for (const signal of SIGNALS) process.on(signal, first);
  return off;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function quit(signal: NodeJS.Signals): void {
  process.exit(128 + constants.signals[signal]);
}
