/**
 * The covering problems behind the exact frontier (frontier.ts): with some stage options usable,
 * the fewest GPUs of one type, and then the least $/h over all types, that cover l layers with
 * s pipeline stages. Every table is [stages + 1][layers + 1], row-major, `width` = layers + 1.
 */

/** A table cell no cover reaches. */
export const NO_COVER = 0x7fffffff;

/** The stage options of one GPU type, slowest first (the frontier's order). */
export interface TypeOptions {
  /** GPUs of the type in the pool, and the price of one. */
  count: number;
  usdPerHour: number;
  /** Layers and TP degree of each option. */
  layers: readonly number[];
  tp: readonly number[];
}

/** The finite cells of a GPU table with at least one stage, by stages then layers. */
interface FiniteCells {
  /** Layers of each cell, and the $/h of its GPUs. */
  layers: Int32Array;
  usdPerHour: Float64Array;
  /**
   * Cells with s stages start at `rowStart[s]`; those of them with at most r layers end before
   * `rowEnd[s·width + r]`.
   */
  rowStart: Int32Array;
  rowEnd: Int32Array;
}

/**
 * One GPU type's covers for each number u of its fastest options usable (u = 0 … all): the fewest
 * GPUs for s stages covering l layers within the type's count (NO_COVER when impossible). Table u
 * adds the u-th fastest option to table u − 1, taken any number of times; each is built on first
 * use.
 */
export class TypeCovers {
  private readonly tables: Int32Array[] = [];
  private readonly cells: (FiniteCells | undefined)[] = [];

  constructor(
    private readonly type: TypeOptions,
    readonly maxStages: number,
    readonly layers: number,
  ) {
    const none = new Int32Array((maxStages + 1) * (layers + 1)).fill(NO_COVER);
    none[0] = 0;
    this.tables.push(none);
  }

  get usdPerHour(): number {
    return this.type.usdPerHour;
  }

  /** The fewest-GPU table with the `usable` fastest options. */
  gpus(usable: number): Int32Array {
    const width = this.layers + 1;
    const { layers, tp, count } = this.type;
    while (this.tables.length <= usable) {
      const previous = this.tables[this.tables.length - 1]!;
      const option = layers.length - this.tables.length;
      const [size, degree] = [layers[option]!, tp[option]!];
      // Taking the option k ≥ 1 times is taking it once more on a cover that may already take
      // it: next[s][l] = min(previous[s][l], next[s − 1][l − size] + degree), within the count
      // (GPUs only add up, so a cover over the count stays over it with more stages).
      const next = new Int32Array(previous);
      for (let s = 1; s <= this.maxStages; s++) {
        for (let l = size; l <= this.layers; l++) {
          const rest = next[(s - 1) * width + l - size]!;
          if (rest === NO_COVER) continue;
          const used = rest + degree;
          if (used <= count && used < next[s * width + l]!) next[s * width + l] = used;
        }
      }
      this.tables.push(next);
    }
    return this.tables[usable]!;
  }

  /** The finite cells of `gpus(usable)` with at least one stage. */
  finiteCells(usable: number): FiniteCells {
    let found = this.cells[usable];
    if (!found) {
      const table = this.gpus(usable);
      const width = this.layers + 1;
      const [layers, usd]: [number[], number[]] = [[], []];
      const rowStart = new Int32Array(this.maxStages + 1);
      const rowEnd = new Int32Array((this.maxStages + 1) * width);
      for (let s = 1; s <= this.maxStages; s++) {
        rowStart[s] = layers.length;
        for (let l = 1; l <= this.layers; l++) {
          const g = table[s * width + l]!;
          if (g !== NO_COVER) {
            layers.push(l);
            usd.push(g * this.type.usdPerHour);
          }
          rowEnd[s * width + l] = layers.length;
        }
        rowEnd[s * width] = rowStart[s]!;
      }
      found = {
        layers: Int32Array.from(layers),
        usdPerHour: Float64Array.from(usd),
        rowStart,
        rowEnd,
      };
      this.cells[usable] = found;
    }
    return found;
  }

  /**
   * The option a least cover with `usable` options and s stages of l layers takes last: the
   * slowest of those that reach the least GPUs (its index among the type's options), or -1.
   */
  lastPick(usable: number, stages: number, layers: number): number {
    const table = this.gpus(usable);
    const width = this.layers + 1;
    const { layers: size, tp, count } = this.type;
    let [best, pick] = [NO_COVER, -1];
    for (let option = size.length - usable; option < size.length; option++) {
      if (size[option]! > layers) continue;
      const rest = table[(stages - 1) * width + layers - size[option]!]!;
      if (rest === NO_COVER) continue;
      const used = rest + tp[option]!;
      if (used <= count && used < best) [best, pick] = [used, option];
    }
    return pick;
  }
}

/** The least-$/h table with no type added yet: 0 for no stages and no layers. */
export function emptyCost(maxStages: number, layers: number): Float64Array {
  const cost = new Float64Array((maxStages + 1) * (layers + 1)).fill(Infinity);
  cost[0] = 0;
  return cost;
}

/**
 * The least $/h per cell once a type joins `previous` (the types before it) with its `usable`
 * fastest options. For the last type (`fullOnly`) only full covers are filled.
 */
export function addType(
  previous: Float64Array,
  covers: TypeCovers,
  usable: number,
  fullOnly: boolean,
): Float64Array {
  const { maxStages, layers } = covers;
  const width = layers + 1;
  const cost = new Float64Array(previous);
  if (fullOnly) {
    const table = covers.gpus(usable);
    const price = covers.usdPerHour;
    for (let s = 0; s < maxStages; s++) {
      for (let l = 0; l < layers; l++) {
        const base = previous[s * width + l]!;
        if (base === Infinity) continue;
        for (let s2 = 1; s + s2 <= maxStages; s2++) {
          const g = table[s2 * width + layers - l]!;
          if (g === NO_COVER) continue;
          const total = base + g * price;
          if (total < cost[(s + s2) * width + layers]!) cost[(s + s2) * width + layers] = total;
        }
      }
    }
    return cost;
  }
  const { layers: size, usdPerHour, rowStart, rowEnd } = covers.finiteCells(usable);
  for (let s = 0; s < maxStages; s++) {
    for (let l = 0; l < layers; l++) {
      const base = previous[s * width + l]!;
      if (base === Infinity) continue;
      for (let s2 = 1; s + s2 <= maxStages; s2++) {
        const row = (s + s2) * width + l;
        for (let c = rowStart[s2]!, end = rowEnd[s2 * width + layers - l]!; c < end; c++) {
          const total = base + usdPerHour[c]!;
          if (total < cost[row + size[c]!]!) cost[row + size[c]!] = total;
        }
      }
    }
  }
  return cost;
}

/**
 * The part that a type with its `usable` fastest options takes of the least-$/h cover of `stages`
 * stages and `layers` layers, as `addType` found it: its cell in the type's table (s·width + l),
 * or -1 when the types before it (`previous`) cover the cell as cheaply. Among equally cheap
 * parts, the one that leaves the fewest stages, then layers, to the types before it.
 */
export function share(
  previous: Float64Array,
  covers: TypeCovers,
  usable: number,
  stages: number,
  layers: number,
): number {
  const width = covers.layers + 1;
  const gpus = covers.gpus(usable);
  const usdPerHour = covers.usdPerHour;
  let [best, cell] = [previous[stages * width + layers]!, -1];
  for (let s = 0; s < stages; s++) {
    for (let l = 0; l < layers; l++) {
      const base = previous[s * width + l]!;
      if (base === Infinity) continue;
      const part = (stages - s) * width + layers - l;
      const g = gpus[part]!;
      if (g === NO_COVER) continue;
      const total = base + g * usdPerHour;
      if (total < best) [best, cell] = [total, part];
    }
  }
  return cell;
}

/**
 * How the least-$/h tables join GPU types (rows × layers + 1 cells): by stage count, stages in any
 * order (`byStageCount`), or by stages per type, for the link filter (orders.ts `byTypeCounts`).
 */
export interface Joining {
  /** The table before any type joins. */
  empty: Float64Array;
  /** The table once type `type` joins `previous` with its `usable` fastest options (`addType`). */
  add(
    previous: Float64Array,
    covers: TypeCovers,
    usable: number,
    type: number,
    last: boolean,
  ): Float64Array;
  /**
   * From the table of all types (none: no types): the least $/h of a full cover by stage count
   * s = 0 … max (Infinity: none), and the row that holds it.
   */
  full(all: Float64Array | undefined): { cost: Float64Array; rows: Int32Array };
  /**
   * The part type `type` takes of the least-$/h cell (row, layers), as `add` found it: the row
   * of the types before it, and the stages and layers of this type's cover.
   */
  share(
    previous: Float64Array,
    covers: TypeCovers,
    usable: number,
    type: number,
    row: number,
    layers: number,
  ): [number, number, number];
  /** The stages of a full cover in row `row` (by type ascending) in a pipeline order it allows. */
  order<T extends { type: number }>(row: number, stages: T[]): T[];
}

/** Rows by stage count: every order of a cover's stages is allowed. */
export function byStageCount(maxStages: number, layers: number): Joining {
  const width = layers + 1;
  return {
    empty: emptyCost(maxStages, layers),
    add: (previous, covers, usable, _type, last) => addType(previous, covers, usable, last),
    full: (all) => ({
      cost: Float64Array.from({ length: maxStages + 1 }, (_, s) =>
        all ? all[s * width + layers]! : Infinity,
      ),
      rows: Int32Array.from({ length: maxStages + 1 }, (_, s) => s),
    }),
    share: (previous, covers, usable, _type, row, l) => {
      const part = share(previous, covers, usable, row, l);
      if (part < 0) return [row, 0, 0];
      const stages = Math.floor(part / width);
      return [row - stages, stages, part % width];
    },
    order: (_row, stages) => stages,
  };
}
