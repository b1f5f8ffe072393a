/**
 * PRISM placement: put every model on one GPU so that the models fit each GPU's memory,
 * minimising the worst GPU's KV-cache pressure  Σ(reqRate / slo) / (memGb − Σ sizeGb).
 * The evaluator calls `place` once per instance and checks the answer strictly.
 */
export interface Model {
  name: string;
  sizeGb: number;
  reqRate: number;
  slo: number;
}

export interface Instance {
  gpuMemGb: number[];
  models: Model[];
}

// EVOLVE-BLOCK-START
/**
 * The seed's greedy baseline: models by load (reqRate / slo) descending, each onto the fitting
 * GPU with the lowest current pressure. Returns the GPU index of every model (input order),
 * or null when some model fits nowhere.
 */
export function place(instance: Instance): number[] | null {
  const gpuLoad = instance.gpuMemGb.map(() => 0);
  const gpuFree = [...instance.gpuMemGb];
  const order = instance.models.map((_, i) => i);
  const load = (i: number): number => instance.models[i]!.reqRate / instance.models[i]!.slo;
  order.sort((a, b) => load(b) - load(a) || a - b);
  const assignment: number[] = new Array<number>(instance.models.length).fill(-1);
  for (const i of order) {
    const size = instance.models[i]!.sizeGb;
    let best = -1;
    let bestRatio = Infinity;
    for (let g = 0; g < gpuFree.length; g++) {
      if (size <= gpuFree[g]! && gpuFree[g]! > 0) {
        const ratio = gpuLoad[g]! / gpuFree[g]!;
        if (ratio < bestRatio) {
          bestRatio = ratio;
          best = g;
        }
      }
    }
    if (best < 0) return null;
    assignment[i] = best;
    gpuLoad[best]! += load(i);
    gpuFree[best]! -= size;
  }
  return assignment;
}
// EVOLVE-BLOCK-END
