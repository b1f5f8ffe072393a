/** A solver's time limit, cheap to ask often. */
export interface Deadline {
  expired(): boolean;
}

export function deadlineAfter(ms: number): Deadline {
  const end = performance.now() + ms;
  let calls = 0;
  let passed = false;
  // Reading the clock on every call would cost more than the work between calls; once the
  // deadline has passed, every later call says so.
  return {
    expired: () => {
      if (!passed && (++calls & 15) === 0) passed = performance.now() > end;
      return passed;
    },
  };
}

/** No time limit: for a caller that bounds the work itself. */
export const NO_DEADLINE: Deadline = { expired: () => false };
