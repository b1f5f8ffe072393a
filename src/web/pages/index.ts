import { largestOf } from '../../core/extremes.js';
import { runKind, type RunStore } from '../../evolve/database/store.js';
import { basename } from 'node:path';
import { runsChart, type RunSeries } from '../chart.js';
import { runStatus } from './status.js';
import { figure, markup, page, trusted, type Html } from '../html.js';
import type { UiSources } from '../server.js';
import { colocateSummaryRows } from './colocate.js';
import { eplbSummaryRows } from './eplb.js';
import { llmSummaryRows } from './llm.js';
import { prismSummaryRows } from './prism.js';

/** The runs of one database as table rows: task, status, programs, best score, spend. */
function runRows(store: RunStore, db: number): Html[] {
  return store.runs().map((run) => {
    const programs = store.summaries(run.id);
    const best = store.best(run.id);
    const lastGeneration = largestOf(
      programs.map((p) => p.generation),
      0,
    );
    // An evolve run's generation 0 is its initial program; an experiment counts from 0.
    const generations =
      runKind(run) === 'experiment' && programs.length > 0 ? lastGeneration + 1 : lastGeneration;
    return markup`<tr>
      <td><a href="/db/${db}/runs/${run.id}">run ${run.id}</a></td>
      <td>${run.task}</td>
      <td>${runStatus(store, run).text}</td>
      <td class="num">${generations}</td>
      <td class="num">${programs.length}</td>
      <td class="num">${figure(best?.combinedScore)}</td>
      <td class="num">$${figure(store.spentUsd(run.id), 4)}</td>
      <td class="muted">${run.updatedAt}</td>
    </tr>`;
  });
}

/** Runs one comparison chart draws at most: beyond that the lines cannot be told apart. */
const MAX_COMPARED_RUNS = 12;

/**
 * For each task with several runs (across every database given), their best scores by
 * generation on one chart: how settings or models compare. The best runs when there are many.
 */
function comparisons(stores: readonly RunStore[]): Html[] {
  const byTask = new Map<string, { series: RunSeries; best: number }[]>();
  stores.forEach((store, db) => {
    for (const run of store.runs()) {
      const points = store
        .summaries(run.id)
        .map((p) => ({ generation: p.generation, score: p.combinedScore, correct: p.correct }));
      const best = largestOf(points.filter((p) => p.correct).map((p) => p.score));
      const label = `${stores.length > 1 ? `${basename(store.path)} · ` : ''}run ${run.id} (db ${db})`;
      const runs = byTask.get(run.task) ?? [];
      runs.push({ series: { label, points }, best });
      byTask.set(run.task, runs);
    }
  });
  return [...byTask]
    .filter(([, runs]) => runs.length > 1)
    .map(([task, runs]) => {
      const shown = [...runs].sort((a, b) => b.best - a.best).slice(0, MAX_COMPARED_RUNS);
      return markup`<h2>${task}: best score by generation</h2>
        ${runs.length > shown.length ? markup`<p class="muted">the ${shown.length} best of ${runs.length} runs</p>` : null}
        ${trusted(runsChart(shown.map((r) => r.series)))}`;
    });
}

/** Every run of every database the dashboard was given, then each problem's files. */
export function indexPage({ runs: stores, prism, colocate, llm, eplb }: UiSources): string {
  const sections = stores.map(
    (store, db) =>
      markup`<h2>${store.path}</h2>
        <table>
          <tr>
            <th>run</th>
            <th>task</th>
            <th>status</th>
            <th class="num">generations</th>
            <th class="num">programs</th>
            <th class="num">best score</th>
            <th class="num">spent</th>
            <th>updated</th>
          </tr>
          ${runRows(store, db)}
        </table>`,
  );
  const placements = prism.length
    ? markup`<h1>PRISM placements</h1>
        <table><tr><th>file</th><th class="num">instances</th><th class="num">valid</th>
        <th class="num">mean max KVPR</th><th>solver</th></tr>${prismSummaryRows(prism)}</table>`
    : null;
  const colocations = colocate.length
    ? markup`<h1>vLLM and Whisper on one GPU</h1>
        <table><tr><th>file</th><th class="num">problems</th><th class="num">with a valid configuration</th>
        <th>solver</th></tr>${colocateSummaryRows(colocate)}</table>`
    : null;
  const frontiers = llm.length
    ? markup`<h1>LLM placements over heterogeneous pools</h1>
        <table><tr><th>config directory</th><th>model</th><th class="num">batch sizes</th>
        <th class="num">cheapest per M tokens</th><th>performance model</th></tr>${llmSummaryRows(llm)}</table>`
    : null;
  const traces = eplb.length
    ? markup`<h1>MoE expert load</h1>
        <table><tr><th>trace</th><th class="num">layers × experts</th><th class="num">windows</th>
        <th class="num">slots / groups / nodes / GPUs</th><th class="num">balanced, per GPU</th></tr>${eplbSummaryRows(eplb)}</table>`
    : null;
  return page(
    'runs',
    markup`${stores.length ? markup`<h1>Runs</h1>${sections}${comparisons(stores)}` : null}${placements}${colocations}${frontiers}${traces}`,
  );
}
