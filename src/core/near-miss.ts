/**
 * The one of `names` that `name` most likely misspells: at most `maxEdits` letters inserted,
 * removed or changed (case and underscores ignored), the closest first, null when none is.
 * `name` itself being one of `names` is no miss.
 */
export function nearMiss(name: string, names: readonly string[], maxEdits = 2): string | null {
  if (names.includes(name)) return null;
  const plain = (text: string): string => text.toLowerCase().replaceAll('_', '');
  let best: string | null = null;
  let bestEdits = maxEdits + 1;
  for (const candidate of names) {
    const edits = editDistance(plain(name), plain(candidate), bestEdits);
    if (edits < bestEdits) {
      best = candidate;
      bestEdits = edits;
    }
  }
  return best;
}

/**
 * Edit distance between a and b counting a swap of two neighbouring letters as one edit (the
 * commonest typo: `stpe` is one from `step`, two from `type`), or `cap` once it reaches it.
 */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        current[j] = Math.min(current[j]!, beforePrevious[j - 2]! + 1);
    }
    beforePrevious = previous;
    previous = current;
  }
  return Math.min(previous[b.length]!, cap);
}

/**
 * `; did you mean "x"?` when `name` misspells one of `names` (see nearMiss), else '': the tail
 * of a refusal. An empty name is no miss of anything.
 */
export function didYouMean(name: string, names: readonly string[]): string {
  const meant = name === '' ? null : nearMiss(name, names);
  return meant ? `; did you mean "${meant}"?` : '';
}
