import type { Plan, Shape } from './model.js';

/**
 * Check a plan's invariants: every expert has ≥ 1 replica, Σ logcnt = replicas in each layer,
 * phy2log and logcnt agree, log2phy lists exactly each expert's slots (then −1), and slots
 * divide evenly over GPUs. With `hierarchical`, also node locality: all replicas of an expert
 * on one node, and all experts of a group on one node. Returns the broken invariants (empty
 * when the plan is valid), in user terms.
 */
export function checkPlan(plan: Plan, shape: Shape, hierarchical: boolean): string[] {
  const errors: string[] = [];
  const { layers, experts, replicas, maxReplicas } = plan;
  if (replicas !== shape.replicas || replicas % shape.gpus !== 0) {
    errors.push(`plan has ${replicas} slots for ${shape.replicas} replicas on ${shape.gpus} GPUs`);
    return errors;
  }
  const slotsPerNode = replicas / shape.nodes;
  const groupSize = experts / shape.groups;
  const count = new Int32Array(experts);
  const node = new Int32Array(experts);
  for (let l = 0; l < layers && errors.length < 20; l++) {
    count.fill(0);
    node.fill(-1);
    for (let s = 0; s < replicas; s++) {
      const e = plan.phy2log[l * replicas + s]!;
      if (!(e >= 0 && e < experts)) {
        errors.push(`layer ${l}: slot ${s} holds expert ${e}, which does not exist`);
        continue;
      }
      count[e]!++;
      const n = Math.floor(s / slotsPerNode);
      if (hierarchical && node[e] !== -1 && node[e] !== n) {
        errors.push(`layer ${l}: expert ${e} has replicas on nodes ${node[e]} and ${n}`);
      }
      node[e] = n;
    }
    let total = 0;
    for (let e = 0; e < experts; e++) {
      const c = plan.logcnt[l * experts + e]!;
      total += c;
      if (c < 1) errors.push(`layer ${l}: expert ${e} has no replica`);
      if (c !== count[e])
        errors.push(`layer ${l}: logcnt says expert ${e} has ${c} replicas, phy2log ${count[e]}`);
      for (let r = 0; r < maxReplicas; r++) {
        const s = plan.log2phy[(l * experts + e) * maxReplicas + r]!;
        if (r < c ? plan.phy2log[l * replicas + s] !== e : s !== -1) {
          errors.push(
            `layer ${l}: log2phy of expert ${e}, rank ${r}, is ${s}; it does not match phy2log`,
          );
        }
      }
      if (hierarchical && e % groupSize !== 0 && node[e] !== node[e - (e % groupSize)]) {
        errors.push(`layer ${l}: group ${Math.floor(e / groupSize)} is split across nodes`);
      }
    }
    if (total !== replicas) errors.push(`layer ${l}: logcnt sums to ${total}, not ${replicas}`);
  }
  return errors;
}
