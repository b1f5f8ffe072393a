import type { RunStore } from '../../evolve/database/store.js';
import { figure, markup, page, type Html } from '../html.js';
import { prismSummaryRows, type PrismSet } from './prism.js';

/** The runs of one database as table rows: task, status, programs, best score, spend. */
function runRows(store: RunStore, db: number): Html[] {
  return store.runs().map((run) => {
    const programs = store.summaries(run.id);
    const best = store.best(run.id);
    const lastGeneration = Math.max(0, ...programs.map((p) => p.generation));
    return markup`<tr>
      <td><a href="/db/${db}/runs/${run.id}">run ${run.id}</a></td>
      <td>${run.task}</td>
      <td>${run.status}</td>
      <td class="num">${lastGeneration}</td>
      <td class="num">${programs.length}</td>
      <td class="num">${figure(best?.combinedScore)}</td>
      <td class="num">$${figure(store.spentUsd(run.id), 4)}</td>
      <td class="muted">${run.updatedAt}</td>
    </tr>`;
  });
}

/** Every run of every database the dashboard was given (newest first), then the PRISM files. */
export function indexPage(stores: readonly RunStore[], prism: readonly PrismSet[]): string {
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
  return page(
    'runs',
    markup`${stores.length ? markup`<h1>Runs</h1>${sections}` : null}${placements}`,
  );
}
