/**
 * Line diffs: Myers' O((N+M)·D) algorithm in linear space (the middle-snake bisection), and
 * GNU-style unified output.
 */

export interface UnifiedDiffOptions {
  /** Name on the `---` line; default `a`. */
  fromName?: string;
  /** Name on the `+++` line; default `b`. */
  toName?: string;
  /** Unchanged lines shown around each change; default 3. */
  context?: number;
}

const NO_NEWLINE = '\\ No newline at end of file';

/** Lines with their terminating `\n`; a last line without one stays without. */
function tokenize(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\n');
  const last = parts.pop()!;
  const tokens = parts.map((line) => `${line}\n`);
  if (last !== '') tokens.push(last);
  return tokens;
}

/** Both token lists as integer ids (equal tokens, equal ids) for fast comparison. */
function intern(a: readonly string[], b: readonly string[]): [Int32Array, Int32Array] {
  const ids = new Map<string, number>();
  const toIds = (tokens: readonly string[]): Int32Array =>
    Int32Array.from(tokens, (token) => {
      let id = ids.get(token);
      if (id === undefined) {
        id = ids.size;
        ids.set(token, id);
      }
      return id;
    });
  return [toIds(a), toIds(b)];
}

/**
 * Which lines of `a` are removed and which lines of `b` are added by a shortest edit script
 * turning `a` into `b`; the lines of neither kind correspond in order.
 */
function shortestEdit(a: Int32Array, b: Int32Array): { removed: Uint8Array; added: Uint8Array } {
  const removed = new Uint8Array(a.length);
  const added = new Uint8Array(b.length);

  /**
   * A point (absolute x, y) where a shortest path through the edit graph of a[aLo, aHi) and
   * b[bLo, bHi) crosses from its first half to its second: found by running the greedy search
   * from both corners until the paths overlap. Null only if no overlap is found (impossible).
   */
  const bisect = (aLo: number, aHi: number, bLo: number, bHi: number): [number, number] | null => {
    const n = aHi - aLo;
    const m = bHi - bLo;
    const maxD = Math.ceil((n + m) / 2);
    const offset = maxD + 1;
    const forward = new Int32Array(2 * maxD + 3).fill(-1);
    const backward = new Int32Array(2 * maxD + 3).fill(-1);
    forward[offset + 1] = 0;
    backward[offset + 1] = 0;
    const delta = n - m;
    const checkForward = (delta & 1) !== 0;
    // Diagonals whose paths ran off the graph are skipped from then on.
    let forwardStart = 0;
    let forwardEnd = 0;
    let backwardStart = 0;
    let backwardEnd = 0;
    for (let d = 0; d <= maxD; d++) {
      for (let k = -d + forwardStart; k <= d - forwardEnd; k += 2) {
        const at = offset + k;
        let x =
          k === -d || (k !== d && forward[at - 1]! < forward[at + 1]!)
            ? forward[at + 1]!
            : forward[at - 1]! + 1;
        let y = x - k;
        while (x < n && y < m && a[aLo + x] === b[bLo + y]) {
          x++;
          y++;
        }
        forward[at] = x;
        if (x > n) forwardEnd += 2;
        else if (y > m) forwardStart += 2;
        else if (checkForward) {
          const other = offset + delta - k;
          if (other >= 0 && other < backward.length && backward[other] !== -1) {
            if (x >= n - backward[other]!) return [aLo + x, bLo + y];
          }
        }
      }
      for (let k = -d + backwardStart; k <= d - backwardEnd; k += 2) {
        const at = offset + k;
        let x =
          k === -d || (k !== d && backward[at - 1]! < backward[at + 1]!)
            ? backward[at + 1]!
            : backward[at - 1]! + 1;
        let y = x - k;
        while (x < n && y < m && a[aHi - 1 - x] === b[bHi - 1 - y]) {
          x++;
          y++;
        }
        backward[at] = x;
        if (x > n) backwardEnd += 2;
        else if (y > m) backwardStart += 2;
        else if (!checkForward) {
          const other = offset + delta - k;
          if (other >= 0 && other < forward.length && forward[other] !== -1) {
            const fx = forward[other]!;
            if (fx >= n - x) return [aLo + fx, bLo + fx - (other - offset)];
          }
        }
      }
    }
    return null;
  };

  const compare = (aLo: number, aHi: number, bLo: number, bHi: number): void => {
    while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) {
      aLo++;
      bLo++;
    }
    while (aLo < aHi && bLo < bHi && a[aHi - 1] === b[bHi - 1]) {
      aHi--;
      bHi--;
    }
    const split = aLo === aHi || bLo === bHi ? null : bisect(aLo, aHi, bLo, bHi);
    if (split) {
      compare(aLo, split[0], bLo, split[1]);
      compare(split[0], aHi, split[1], bHi);
      return;
    }
    removed.fill(1, aLo, aHi);
    added.fill(1, bLo, bHi);
  };

  compare(0, a.length, 0, b.length);
  return { removed, added };
}

/** One line of the edit script: kept (` `), removed (`-`) or added (`+`). */
interface Op {
  kind: ' ' | '-' | '+';
  token: string;
}

/** The edit script in order; within each change, removals come before additions. */
function editScript(before: readonly string[], after: readonly string[]): Op[] {
  const [a, b] = intern(before, after);
  const { removed, added } = shortestEdit(a, b);
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    if (i < before.length && removed[i]) ops.push({ kind: '-', token: before[i++]! });
    else if (j < after.length && added[j]) ops.push({ kind: '+', token: after[j++]! });
    else {
      ops.push({ kind: ' ', token: before[i++]! });
      j++;
    }
  }
  return ops;
}

/** `start,count` of a hunk side; GNU omits a count of 1 and names the line before when empty. */
function range(linesBefore: number, count: number): string {
  if (count === 1) return `${linesBefore + 1}`;
  return `${count === 0 ? linesBefore : linesBefore + 1},${count}`;
}

/**
 * A unified diff of two texts, as `diff -u` writes it: `---`/`+++` headers, then `@@` hunks
 * with `context` unchanged lines around the changes (hunks closer than twice that merge), and
 * `\ No newline at end of file` after a last line that lacks one. '' when the texts are equal.
 */
export function unifiedDiff(
  before: string,
  after: string,
  options: UnifiedDiffOptions = {},
): string {
  const { fromName = 'a', toName = 'b', context = 3 } = options;
  if (!Number.isInteger(context) || context < 0) {
    throw new RangeError(`unifiedDiff: context must be a non-negative integer, got ${context}`);
  }
  if (before === after) return '';
  const ops = editScript(tokenize(before), tokenize(after));
  // Lines of each side before op p.
  const oldBefore = new Int32Array(ops.length + 1);
  const newBefore = new Int32Array(ops.length + 1);
  for (const [p, op] of ops.entries()) {
    oldBefore[p + 1] = oldBefore[p]! + (op.kind === '+' ? 0 : 1);
    newBefore[p + 1] = newBefore[p]! + (op.kind === '-' ? 0 : 1);
  }
  const out = [`--- ${fromName}`, `+++ ${toName}`];
  let p = 0;
  while (p < ops.length) {
    while (p < ops.length && ops[p]!.kind === ' ') p++;
    if (p === ops.length) break;
    const start = Math.max(0, p - context);
    // Extend over changes separated by at most 2·context kept lines.
    let lastChange = p;
    for (let q = p + 1; q < ops.length && q - lastChange <= 2 * context + 1; q++) {
      if (ops[q]!.kind !== ' ') lastChange = q;
    }
    const end = Math.min(ops.length, lastChange + context + 1);
    const oldCount = oldBefore[end]! - oldBefore[start]!;
    const newCount = newBefore[end]! - newBefore[start]!;
    out.push(`@@ -${range(oldBefore[start]!, oldCount)} +${range(newBefore[start]!, newCount)} @@`);
    for (let q = start; q < end; q++) {
      const { kind, token } = ops[q]!;
      if (token.endsWith('\n')) out.push(kind + token.slice(0, -1));
      else out.push(kind + token, NO_NEWLINE);
    }
    p = end;
  }
  return `${out.join('\n')}\n`;
}
