import fc from 'fast-check';
import type { Shape } from '../../src/problems/eplb/model.js';

/** Random cluster shapes and loads: zero rows, ties, one huge expert. */
export const eplbCaseArb = fc
  .record({
    groups: fc.constantFrom(1, 2, 4),
    groupSize: fc.integer({ min: 1, max: 4 }),
    nodes: fc.constantFrom(1, 2, 3, 4),
    gpusPerNode: fc.integer({ min: 1, max: 3 }),
    extraPerGpu: fc.integer({ min: 0, max: 3 }),
    layers: fc.integer({ min: 1, max: 3 }),
    kind: fc.constantFrom('random', 'zeros', 'ties', 'huge'),
    seed: fc.integer({ min: 0, max: 1000 }),
  })
  .map((c) => {
    const experts = c.groups * c.groupSize;
    const gpus = c.nodes * c.gpusPerNode;
    const slotsPerGpu = Math.ceil(experts / gpus) + c.extraPerGpu;
    const shape: Shape = { replicas: gpus * slotsPerGpu, groups: c.groups, nodes: c.nodes, gpus };
    const data = Float64Array.from({ length: c.layers * experts }, (_, i) => {
      if (c.kind === 'zeros') return 0;
      if (c.kind === 'ties') return 10 * ((i * 7 + c.seed) % 3);
      if (c.kind === 'huge') return i % experts === c.seed % experts ? 1e9 : (i * 31 + c.seed) % 17;
      return ((i * 2654435761 + c.seed * 97) >>> 0) % 1000;
    });
    // An earlier window for the trend: the same loads, reversed within each layer.
    const earlier = Float64Array.from(data, (_, i) => {
      const l = Math.floor(i / experts);
      return data[l * experts + experts - 1 - (i % experts)]!;
    });
    const load = { layers: c.layers, experts, data };
    return { shape, load, history: [{ ...load, data: earlier }, load] };
  });
