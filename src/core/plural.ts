/** `n` and its noun, in the plural unless n is 1: `1 layer`, `58 layers`. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
