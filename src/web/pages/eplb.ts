import type { Shape } from '../../problems/eplb/model.js';
import type { ReplayResult } from '../../problems/eplb/replay.js';
import { heatmap } from '../chart.js';
import { figure, markup, page, trusted, type Html } from '../html.js';

/** A recorded expert-load trace as the dashboard shows it: each algorithm replayed over it. */
export interface EplbSet {
  path: string;
  shape: Shape;
  layers: number;
  experts: number;
  windows: number;
  replays: ReplayResult[];
  ceilingsPerGpu: { hierarchical: number; global: number };
  /**
   * The default planner's plan from every window but the last, replayed on the last: per layer,
   * each GPU's load over the layer's mean ([layers][gpus]). With one window, in sample.
   */
  lastWindowLoad: Float64Array[];
}

/** One line per trace for the index: its shape and the default planner's per-GPU balance. */
export function eplbSummaryRows(sets: readonly EplbSet[]): Html[] {
  return sets.map((set, i) => {
    const balanced = set.replays.find((r) => r.algo === 'balanced');
    return markup`<tr><td><a href="/eplb/${i}">${set.path}</a></td>
      <td class="num">${set.layers} × ${set.experts}</td><td class="num">${set.windows}</td>
      <td class="num">${set.shape.replicas} / ${set.shape.groups} / ${set.shape.nodes} / ${set.shape.gpus}</td>
      <td class="num">${figure(balanced?.outOfSample.perGpu, 4)}</td></tr>`;
  });
}

/** A trace: every algorithm's balance on the next window, and the default plan's GPU loads. */
export function eplbSetPage(set: EplbSet): string {
  const rows = set.replays.map(
    (r) => markup`<tr><td>${r.algo}</td><td>${r.forecast}</td>
      <td class="num">${figure(r.outOfSample.perSlot, 4)}</td><td class="num">${figure(r.outOfSample.perGpu, 4)}</td>
      <td class="num">${figure(r.outOfSample.perNode, 4)}</td><td class="num">${figure(r.inSample.perGpu, 4)}</td>
      <td class="num">${figure(r.movedPerLayer, 4)}</td><td class="num">${figure(r.medianMs, 3)}</td>
      <td class="${r.invariantErrors ? 'bad' : 'good'}">${r.invariantErrors}</td></tr>`,
  );
  const s = set.shape;
  const when =
    set.windows > 1
      ? 'planned from every window but the last, replayed on the last'
      : 'planned from and replayed on the one window';
  const body = markup`<h1>Expert load: ${set.path}</h1>
    <p>${set.layers} MoE layers × ${set.experts} experts · ${set.windows} windows ·
      ${s.replicas} slots, ${s.groups} groups, ${s.nodes} nodes, ${s.gpus} GPUs</p>
    <h2>Balancedness on the next window (Σ mean / Σ max; 1 is perfect)</h2>
    <table><tr><th>algorithm</th><th>forecast</th><th class="num">per slot</th><th class="num">per GPU</th>
      <th class="num">per node</th><th class="num">per GPU in sample</th><th class="num">moved per layer</th>
      <th class="num">ms</th><th>invariant errors</th></tr>${rows}</table>
    <p class="muted">With perfect knowledge of the next window: per GPU ${figure(set.ceilingsPerGpu.hierarchical, 4)}
      keeping node locality, ${figure(set.ceilingsPerGpu.global, 4)} without.</p>
    <h2>Load of each GPU, by layer (balanced, ${when})</h2>
    ${trusted(heatmap(set.lastWindowLoad, 'load of each GPU over its layer mean'))}`;
  return page(`eplb ${set.path}`, body);
}
