import { describe, expect, it } from 'vitest';
import { DEFAULT_TRACE, generateTrace } from './generate.js';
import { migrate } from './migrate.js';
import { parseLoadHistory, type Shape } from './model.js';
import { balancedness, movedReplicas } from './score.js';
import { ALGOS, keepsLocality, REBALANCERS } from './solvers/index.js';
import { checkPlan } from './validate.js';

const shape: Shape = { replicas: 80, groups: 8, nodes: 4, gpus: 16 };
const windows = parseLoadHistory(
  generateTrace({ ...DEFAULT_TRACE, steps: 300, layers: 6, experts: 64, seed: 9 }),
  'trace',
  100,
);
const total = (moved: Int32Array): number => moved.reduce((a, b) => a + b, 0);

describe('eplb migration', () => {
  it.each(ALGOS)(
    '%s: alignment keeps balance and invariants, and copies fewer replicas',
    (algo) => {
      const locality = keepsLocality(algo, shape);
      const prev = REBALANCERS[algo](windows[0]!, shape);
      const next = REBALANCERS[algo](windows[1]!, shape);
      const aligned = migrate(next, prev, shape);
      expect(checkPlan(aligned, shape, locality)).toEqual([]);
      for (const w of windows) {
        const a = balancedness(aligned, w, shape.gpus, shape.nodes);
        const b = balancedness(next, w, shape.gpus, shape.nodes);
        expect(a.perGpu).toBeCloseTo(b.perGpu, 12);
        expect(a.perNode).toBeCloseTo(b.perNode, 12);
        expect(a.perSlot).toBeCloseTo(b.perSlot, 12);
      }
      expect(total(movedReplicas(prev, aligned))).toBeLessThan(total(movedReplicas(prev, next)));
    },
  );

  it('--max-moves: no layer copies more than the limit; 0 keeps the deployed plan', () => {
    const prev = REBALANCERS.balanced(windows[0]!, shape);
    const load = windows[2]!;
    const next = REBALANCERS.balanced(load, shape);
    let previousMoves = -1;
    for (const limit of [0, 10, 30, 1000]) {
      const limited = migrate(next, prev, shape, { maxMoves: limit, load, locality: true });
      expect(checkPlan(limited, shape, true)).toEqual([]);
      const moved = movedReplicas(prev, limited);
      expect(Math.max(...moved)).toBeLessThanOrEqual(limit);
      expect(total(moved)).toBeGreaterThanOrEqual(previousMoves);
      previousMoves = total(moved);
      if (limit === 0) expect(limited.phy2log).toEqual(prev.phy2log);
      // Every layer at its limit is no worse on the forecast than the deployed one.
      expect(balancedness(limited, load, shape.gpus, shape.nodes).perGpu).toBeGreaterThanOrEqual(
        balancedness(prev, load, shape.gpus, shape.nodes).perGpu,
      );
    }
  });
});

describe('eplb migration progress', () => {
  it('is told each layer as it is done, in order', () => {
    const prev = REBALANCERS.balanced(windows[0]!, shape);
    const next = REBALANCERS.balanced(windows[1]!, shape);
    const done: number[] = [];
    const limit = { maxMoves: 2, load: windows[1]!, locality: true };
    migrate(next, prev, shape, limit, (layers) => done.push(layers));
    expect(done).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
