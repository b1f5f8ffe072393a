import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balancedPacking, replicateExperts } from './deepseek.js';

/**
 * The reference's loops as written in eplb.py, a scan over every pack or expert per step: the
 * port picks with a heap instead and must pick the same, ties included.
 */
function scanPacking(weight: Float32Array, items: number, packs: number): number[] {
  const perPack = items / packs;
  const order = Array.from({ length: items }, (_, i) => i).sort(
    (a, b) => weight[b]! - weight[a]! || a - b,
  );
  const packWeight = new Float32Array(packs);
  const packCount = new Int32Array(packs);
  const packIndex = new Array<number>(items);
  for (const item of order) {
    let pack = -1;
    for (let p = 0; p < packs; p++)
      if (packCount[p]! < perPack && (pack < 0 || packWeight[p]! < packWeight[pack]!)) pack = p;
    packIndex[item] = pack;
    packWeight[pack] = Math.fround(packWeight[pack]! + weight[item]!);
    packCount[pack]!++;
  }
  return packIndex;
}

function scanReplication(weight: Float32Array, physical: number): number[] {
  const counts = new Int32Array(weight.length).fill(1);
  const phy2log = Array.from({ length: weight.length }, (_, e) => e);
  for (let slot = weight.length; slot < physical; slot++) {
    let best = 0;
    let bestLoad = -Infinity;
    for (let e = 0; e < weight.length; e++) {
      const perReplica = Math.fround(weight[e]! / counts[e]!);
      if (perReplica > bestLoad) [best, bestLoad] = [e, perReplica];
    }
    phy2log.push(best);
    counts[best]!++;
  }
  return phy2log;
}

/** Few distinct loads, so that ties are common. */
const loads = (length: number) =>
  fc.array(fc.integer({ min: 0, max: 5 }), { minLength: length, maxLength: length });

describe('eplb deepseek: heap picks equal the reference scans', () => {
  it('balanced packing', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((packs) =>
            fc
              .integer({ min: 2, max: 5 })
              .chain((perPack) => fc.tuple(fc.constant(packs), loads(packs * perPack))),
          ),
        ([packs, raw]) => {
          // Distinct items by index (sort stability is not what this compares).
          const weight = Float32Array.from(raw, (w, i) => w + i * 1e-3);
          const packIndex = new Int32Array(raw.length);
          balancedPacking(weight, 1, raw.length, packs, packIndex, new Int32Array(raw.length));
          expect(Array.from(packIndex)).toEqual(scanPacking(weight, raw.length, packs));
        },
      ),
    );
  });

  it('replication', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 12 })
          .chain((logical) =>
            fc.tuple(loads(logical), fc.integer({ min: logical, max: 4 * logical })),
          ),
        ([raw, physical]) => {
          const weight = Float32Array.from(raw);
          const phy2log = new Int32Array(physical);
          const logCount = new Int32Array(raw.length);
          replicateExperts(
            weight,
            1,
            raw.length,
            physical,
            phy2log,
            new Int32Array(physical),
            logCount,
          );
          expect(Array.from(phy2log)).toEqual(scanReplication(weight, physical));
        },
      ),
    );
  });
});
