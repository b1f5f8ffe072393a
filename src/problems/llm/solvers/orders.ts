/**
 * Stage orders under the seed's link filter stated by GPU type (links.ts `typeLinks`): which
 * per-type stage counts some pipeline order allows, and the least-$/h tables across types that
 * keep those counts, so the frontier (frontier.ts) takes only covers that can be ordered.
 */
import { emptyCost, NO_COVER, type Joining, type TypeCovers } from './covers.js';

/**
 * The vectors of stage counts per type over the first t types (t = 0 … types) that extend to an
 * orderable vector of all types (at most `maxStages` stages, some order of them joining only
 * allowed types), numbered so that tables can have a row per vector: vectors of t + 1 types
 * extend those of t types by the count k of type t, numbered in (vector, k) order.
 */
export class StageCounts {
  /** Per prefix length t: each vector's stage total. */
  readonly stages: Int32Array[] = [];
  /** Per prefix length t: each vector's parent (t − 1 types), its count of type t − 1, its code. */
  private readonly parent: Int32Array[] = [];
  private readonly lastCount: Int32Array[] = [];
  private readonly code: Float64Array[] = [];
  /** Per prefix length t: the vector of t + 1 types from vector v and count k at v·(maxStages + 1) + k, or -1. */
  private readonly extension: Int32Array[] = [];
  /**
   * Every orderable vector of all types, by its code (Σ count_x · (maxStages + 1)^x): the types
   * some allowed order of its stages ends on (bit x).
   */
  private readonly endsOn = new Map<number, number>();

  constructor(
    private readonly allowed: readonly (readonly boolean[])[],
    readonly maxStages: number,
  ) {
    const types = allowed.length;
    const base = maxStages + 1;
    // By stage total ascending: a vector ends on x when it has an x and, without that x, is
    // empty or ends on a type allowed to precede x.
    const vectors: { code: number; stages: number }[] = [{ code: 0, stages: 0 }];
    for (let x = 0, weight = 1; x < types; x++, weight *= base)
      for (const v of [...vectors])
        for (let k = 1; v.stages + k <= maxStages; k++)
          vectors.push({ code: v.code + k * weight, stages: v.stages + k });
    vectors.sort((a, b) => a.stages - b.stages);
    for (const { code, stages } of vectors.slice(1)) {
      let ends = 0;
      for (let x = 0, weight = 1; x < types; x++, weight *= base) {
        if (Math.floor(code / weight) % base === 0) continue;
        const rest = this.endsOn.get(code - weight) ?? 0;
        if (stages === 1 || allowed.some((row, y) => row[x] && rest & (1 << y))) ends |= 1 << x;
      }
      if (ends) this.endsOn.set(code, ends);
    }
    // The prefixes of orderable vectors, by t and code (the code's t lowest digits).
    const live = new Set<number>();
    for (const code of this.endsOn.keys())
      for (let t = 0, weight = 1; t <= types; t++, weight *= base)
        live.add((code % weight) * (types + 1) + t);
    this.stages.push(Int32Array.of(0));
    this.parent.push(Int32Array.of(-1));
    this.lastCount.push(Int32Array.of(0));
    this.code.push(Float64Array.of(0));
    for (let t = 0, weight = 1; t < types; t++, weight *= base) {
      const before = this.stages[t]!;
      const extension = new Int32Array(before.length * base).fill(-1);
      const [stages, parent, lastCount, codes]: [number[], number[], number[], number[]] = [
        [],
        [],
        [],
        [],
      ];
      before.forEach((s, v) => {
        for (let k = 0; s + k <= maxStages; k++) {
          const code = this.code[t]![v]! + k * weight;
          if (!live.has(code * (types + 1) + t + 1)) continue;
          extension[v * base + k] = stages.length;
          stages.push(s + k);
          parent.push(v);
          lastCount.push(k);
          codes.push(code);
        }
      });
      this.extension.push(extension);
      this.stages.push(Int32Array.from(stages));
      this.parent.push(Int32Array.from(parent));
      this.lastCount.push(Int32Array.from(lastCount));
      this.code.push(Float64Array.from(codes));
    }
  }

  /** The vector of t + 1 types that adds k stages of type t to vector v of t types, or -1. */
  extend(t: number, v: number, k: number): number {
    return k > this.maxStages ? -1 : this.extension[t]![v * (this.maxStages + 1) + k]!;
  }

  /** Vector v of t types without its last type: [vector of t − 1 types, stages of type t − 1]. */
  split(t: number, v: number): [number, number] {
    return [this.parent[t]![v]!, this.lastCount[t]![v]!];
  }

  /** Whether some order of these stage counts (one per type) joins only allowed types. */
  orderable(perType: readonly number[]): boolean {
    const code = perType.reduce((a, k, x) => a + k * (this.maxStages + 1) ** x, 0);
    return this.endsOn.has(code);
  }

  /** An allowed order of the stages of vector v of all types, as the type of each. */
  order(v: number): number[] {
    const base = this.maxStages + 1;
    let code = this.code[this.allowed.length]![v]!;
    let ends = this.endsOn.get(code) ?? 0;
    const order: number[] = [];
    while (ends) {
      const next = order.length ? order[order.length - 1]! : -1;
      const x = this.allowed.findIndex(
        (row, y) => ends & (1 << y) && (next < 0 || row[next] === true),
      );
      order.push(x);
      code -= base ** x;
      ends = this.endsOn.get(code) ?? 0;
    }
    return order.reverse();
  }
}

/**
 * The least $/h per (vector, layers) cell once type t joins `previous` (rows: vectors of the
 * types before it) with its `usable` fastest options; rows: vectors of types 0 … t. For the last
 * type (`fullOnly`) only full covers are filled.
 */
export function addTypeCounted(
  counts: StageCounts,
  t: number,
  previous: Float64Array,
  covers: TypeCovers,
  usable: number,
  fullOnly: boolean,
): Float64Array {
  const n = covers.layers;
  const width = n + 1;
  const table = covers.gpus(usable);
  const price = covers.usdPerHour;
  const { layers: size, usdPerHour, rowStart, rowEnd } = covers.finiteCells(usable);
  const before = counts.stages[t]!;
  const cost = new Float64Array(counts.stages[t + 1]!.length * width).fill(Infinity);
  for (let v = 0; v < before.length; v++) {
    for (let l = 0; l <= n; l++) {
      const base = previous[v * width + l]!;
      if (base === Infinity) continue;
      for (let k = 0; before[v]! + k <= counts.maxStages; k++) {
        const w = counts.extend(t, v, k);
        if (w < 0) continue;
        const row = w * width;
        if (k === 0) cost[row + l] = base;
        else if (fullOnly) {
          const g = table[k * width + n - l]!;
          if (l < n && g !== NO_COVER && base + g * price < cost[row + n]!)
            cost[row + n] = base + g * price;
        } else {
          for (let c = rowStart[k]!, end = rowEnd[k * width + n - l]!; c < end; c++) {
            const total = base + usdPerHour[c]!;
            if (total < cost[row + l + size[c]!]!) cost[row + l + size[c]!] = total;
          }
        }
      }
    }
  }
  return cost;
}

/**
 * The layers that type t (with its `usable` fastest options) takes of the least-$/h cell of
 * vector v (of types 0 … t) and `layers` layers, as `addTypeCounted` found it: the fewest among
 * equally cheap ones (0 when the vector has no stage of type t).
 */
export function shareCounted(
  counts: StageCounts,
  t: number,
  previous: Float64Array,
  covers: TypeCovers,
  usable: number,
  v: number,
  layers: number,
): number {
  const [parent, k] = counts.split(t + 1, v);
  if (k === 0) return 0;
  const width = covers.layers + 1;
  const table = covers.gpus(usable);
  let [best, taken] = [Infinity, -1];
  for (let l2 = 1; l2 <= layers; l2++) {
    const g = table[k * width + l2]!;
    const base = previous[parent * width + layers - l2]!;
    if (g !== NO_COVER && base + g * covers.usdPerHour < best)
      [best, taken] = [base + g * covers.usdPerHour, l2];
  }
  return taken;
}

/** Rows by stages per type: a full cover counts only when some order of its stages is allowed. */
export function byTypeCounts(counts: StageCounts, layers: number): Joining {
  const width = layers + 1;
  return {
    empty: emptyCost(0, layers),
    add: (previous, covers, usable, type, last) =>
      addTypeCounted(counts, type, previous, covers, usable, last),
    full: (all) => {
      const cost = new Float64Array(counts.maxStages + 1).fill(Infinity);
      const rows = new Int32Array(counts.maxStages + 1).fill(-1);
      if (all)
        counts.stages.at(-1)!.forEach((s, v) => {
          if (all[v * width + layers]! < cost[s]!)
            [cost[s], rows[s]] = [all[v * width + layers]!, v];
        });
      return { cost, rows };
    },
    share: (previous, covers, usable, type, row, l) => {
      const [before, stages] = counts.split(type + 1, row);
      return [before, stages, shareCounted(counts, type, previous, covers, usable, row, l)];
    },
    order: (row, stages) => {
      const left = [...stages];
      return counts.order(row).map(
        (type) =>
          left.splice(
            left.findIndex((o) => o.type === type),
            1,
          )[0]!,
      );
    },
  };
}
