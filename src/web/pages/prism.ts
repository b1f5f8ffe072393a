import type { BatchResult } from '../../problems/prism/batch.js';
import { toProblem, type PrismInstance } from '../../problems/prism/model.js';
import { gpuTotals, kvprPerGpu } from '../../problems/prism/score.js';
import { barChart } from '../chart.js';
import { figure, markup, page, trusted } from '../html.js';

/** A PRISM instances file as the dashboard shows it: the instances and the placements found. */
export interface PrismSet {
  path: string;
  instances: PrismInstance[];
  result: BatchResult;
}

/** One line per file for the index: instances, valid placements, mean max KVPR. */
export function prismSummaryRows(sets: readonly PrismSet[]) {
  return sets.map(
    (set, i) => markup`<tr><td><a href="/prism/${i}">${set.path}</a></td>
      <td class="num">${set.result.summary.instances}</td><td class="num">${set.result.summary.valid}</td>
      <td class="num">${figure(set.result.summary.meanMaxKvpr)}</td><td>${set.result.solver}</td></tr>`,
  );
}

/** The instances of one file: each one's worst KVPR, bound, proof and validity. */
export function prismSetPage(set: PrismSet, i: number): string {
  const rows = set.result.instances.map(
    (r, k) => markup`<tr><td><a href="/prism/${i}/${k}">${r.id}</a></td>
      <td class="num">${set.instances[k]!.gpuMemGb.length}</td><td class="num">${set.instances[k]!.models.length}</td>
      <td class="num">${r.assignment ? figure(r.maxKvpr) : 'infeasible'}</td><td class="num">${figure(r.lowerBound)}</td>
      <td>${r.proven ? 'optimal' : ''}</td><td class="${r.valid ? 'good' : 'bad'}">${r.valid ? 'yes' : 'no'}</td></tr>`,
  );
  const body = markup`<h1>PRISM placements: ${set.path}</h1>
    <p>solver ${set.result.solver} · ${set.result.summary.valid} of ${set.result.summary.instances} valid ·
      mean max KVPR ${figure(set.result.summary.meanMaxKvpr)} · seed metric ${figure(set.result.summary.seedScore)}</p>
    <table><tr><th>instance</th><th class="num">GPUs</th><th class="num">models</th><th class="num">max KVPR</th>
      <th class="num">lower bound</th><th>proof</th><th>valid</th></tr>${rows}</table>`;
  return page(`prism ${set.path}`, body);
}

/** One instance's placement: KVPR per GPU as bars, and per GPU its memory, load and models. */
export function prismInstancePage(set: PrismSet, i: number, k: number): string {
  const instance = set.instances[k]!;
  const result = set.result.instances[k]!;
  const header = markup`<h1>Instance ${instance.id}</h1>
    <p><a href="/prism/${i}">${set.path}</a> · ${instance.gpuMemGb.length} GPUs · ${instance.models.length} models</p>`;
  if (!result.assignment)
    return page(
      `prism ${instance.id}`,
      markup`${header}<p class="bad">No placement: every model cannot fit.</p>`,
    );
  const problem = toProblem(instance);
  const pressure = kvprPerGpu(problem, result.assignment);
  const { load, usedGb } = gpuTotals(problem, result.assignment);
  const chart = barChart(
    Array.from(pressure, (value, g) => ({ label: `GPU ${g}`, value })),
    'KV-cache pressure per GPU',
  );
  const rows = instance.gpuMemGb.map((memGb, g) => {
    const names = instance.models.filter((_, m) => result.assignment![m] === g).map((m) => m.name);
    return markup`<tr><td>GPU ${g}</td><td class="num">${figure(usedGb[g])} / ${figure(memGb)} GB</td>
      <td class="num">${figure(load[g])}</td><td class="num">${figure(pressure[g])}</td><td>${names.join(', ')}</td></tr>`;
  });
  const body = markup`${header}
    <p>max KVPR ${figure(result.maxKvpr)} · lower bound ${figure(result.lowerBound)}${result.proven ? ' (optimal)' : ''} ·
      ${result.valid ? 'valid' : 'invalid'}</p>
    <h2>KV-cache pressure per GPU</h2>${trusted(chart)}
    <h2>GPUs</h2>
    <table><tr><th>GPU</th><th class="num">memory used</th><th class="num">load (Σ rate / SLO)</th>
      <th class="num">KVPR</th><th>models</th></tr>${rows}</table>`;
  return page(`prism ${instance.id}`, body);
}
