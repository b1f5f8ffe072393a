import type { ColocateProblem } from '../../problems/colocate/model.js';
import type { ColocateResult } from '../../problems/colocate/solvers/index.js';
import { stackedBar, type Segment } from '../chart.js';
import { figure, markup, page, trusted, type Html } from '../html.js';

/** A colocate problems file as the dashboard shows it: the problems and what the solver chose. */
export interface ColocateSet {
  path: string;
  solver: string;
  problems: ColocateProblem[];
  results: ColocateResult[];
}

/** One line per file for the index: problems, those with a valid configuration. */
export function colocateSummaryRows(sets: readonly ColocateSet[]): Html[] {
  return sets.map(
    (set, i) => markup`<tr><td><a href="/colocate/${i}">${set.path}</a></td>
      <td class="num">${set.problems.length}</td>
      <td class="num">${set.results.filter((r) => r.report?.valid).length}</td><td>${set.solver}</td></tr>`,
  );
}

/** The problems of one file: the share and Whisper size chosen, capacity and free memory. */
export function colocateSetPage(set: ColocateSet, i: number): string {
  const rows = set.results.map((r, k) => {
    const link = markup`<a href="/colocate/${i}/${k}">${set.problems[k]!.id}</a>`;
    if (!r.solution || !r.report)
      return markup`<tr><td>${link}</td><td colspan="4" class="bad text">no valid configuration: ${r.explanation}</td></tr>`;
    return markup`<tr><td>${link}</td><td class="num">${r.solution.gpuMemoryUtilization}</td>
      <td>${r.solution.whisperSize}</td><td class="num">${r.report.metrics.capacity}</td>
      <td class="num">${figure(r.report.metrics.memory.headroomGib, 4)}</td></tr>`;
  });
  const body = markup`<h1>vLLM and Whisper on one GPU: ${set.path}</h1>
    <p>solver ${set.solver}</p>
    <table><tr><th>problem</th><th class="num">--gpu-memory-utilization</th><th>Whisper</th>
      <th class="num">capacity</th><th class="num">free GiB</th></tr>${rows}</table>`;
  return page(`colocate ${set.path}`, body);
}

/** One problem: where the device's memory goes under the chosen configuration, and its figures. */
export function colocateProblemPage(set: ColocateSet, i: number, k: number): string {
  const problem = set.problems[k]!;
  const result = set.results[k]!;
  const header = markup`<h1>Problem ${problem.id}</h1><p><a href="/colocate/${i}">${set.path}</a></p>`;
  if (!result.solution || !result.report)
    return page(
      `colocate ${problem.id}`,
      markup`${header}<p class="bad">No valid configuration: ${result.explanation}</p>`,
    );
  const { metrics } = result.report;
  const m = metrics.memory;
  const segments: Segment[] = [
    { label: 'CUDA contexts', value: m.cudaContextsGib, colour: '#6e6e73' },
    { label: 'LLM weights', value: m.weightsGib, colour: '#0b57d0' },
    {
      label: 'activations, graphs, non-torch',
      value: m.activationPeakGib + m.cudaGraphGib + m.nonTorchGib,
      colour: '#7aa7f0',
    },
    { label: 'KV cache', value: Math.max(0, metrics.kvCacheGib), colour: '#1b6e3a' },
    { label: `Whisper ${result.solution.whisperSize}`, value: m.whisperGib, colour: '#e37400' },
    { label: 'other tenants', value: m.otherProcessesGib, colour: '#8c564b' },
    { label: 'free', value: Math.max(0, m.headroomGib), colour: '#dadce0' },
  ];
  const chart = stackedBar(segments, m.totalGib, 'memory of the device, GiB');
  const body = markup`${header}
    <p>--gpu-memory-utilization ${result.solution.gpuMemoryUtilization} · Whisper ${result.solution.whisperSize} ·
      ${result.report.valid ? 'valid' : 'invalid'}</p>
    <h2>Memory of the device (${figure(m.totalGib, 4)} GiB)</h2>${trusted(chart)}
    <table>
      <tr><td>capacity (sequences of ${problem.vllm.maxModelLen} tokens at once)</td><td class="num">${metrics.capacity}</td></tr>
      <tr><td>KV cache</td><td class="num">${figure(metrics.kvCacheGib, 4)} GiB, ${metrics.kvBlocks} blocks</td></tr>
      <tr><td>free memory (margin ${problem.safetyMarginGib} GiB)</td><td class="num">${figure(m.headroomGib, 4)} GiB</td></tr>
      <tr><td>LLM latency per output token</td><td class="num">${figure(metrics.llmLatencyMs, 4)} ms</td></tr>
      <tr><td>Whisper, 30 s clip</td><td class="num">${figure(metrics.whisperLatencyMs, 4)} ms, WER ${metrics.whisperWerPercent} %</td></tr>
    </table>`;
  return page(`colocate ${problem.id}`, body);
}
