import type { ProgramRecord, RunRecord, RunStore } from '../../evolve/database/store.js';
import { scoreChart } from '../chart.js';
import { runStatus } from './status.js';
import { figure, markup, page, trusted, type Html } from '../html.js';
import { addressOf, paged, tablePage, type PageNumbers } from '../paging.js';
import { eventsSection } from './events.js';
import { block } from './program.js';

/**
 * An experiment candidate's configuration, from its stored code (the canonical JSON of its
 * parameters): name → value, or null when the code is not such an object.
 */
function parametersOf(p: Pick<ProgramRecord, 'code'>): Record<string, unknown> | null {
  try {
    const value = JSON.parse(p.code) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A parameter's value as the pages show it: text as it is, anything else as JSON. */
const valueText = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value);

/** `name=value · name=value`, as a table cell shows a configuration. */
function parametersText(p: Pick<ProgramRecord, 'code'>): string {
  const params = parametersOf(p);
  return params
    ? Object.entries(params)
        .map(([name, value]) => `${name}=${valueText(value)}`)
        .join(' · ')
    : p.code;
}

const qualified = (p: Pick<ProgramRecord, 'correct'>): Html =>
  markup`<td class="${p.correct ? 'good' : 'bad'}">${p.correct ? 'yes' : 'no'}</td>`;

/**
 * An experiment run (configurations tuned without an LLM): its fitness chart over every
 * candidate, the page of its candidates (with their parameters, fitness and why they were
 * disqualified) and of its events that `pages` names, or null when there is no such page. None
 * of an evolve run's LLM columns (island, patch, model, USD, held-out) apply.
 */
export function experimentRunPage(
  store: RunStore,
  db: number,
  run: RunRecord,
  pages: PageNumbers,
): string | null {
  const path = `/db/${db}/runs/${run.id}`;
  const candidates = store
    .summaries(run.id)
    .sort((a, b) => a.generation - b.generation || a.id - b.id);
  const shown = tablePage(pages.page ?? 1, candidates.length);
  const events = eventsSection(store, run.id, path, pages);
  if (!shown || !events) return null;
  const status = runStatus(store, run);
  const best = store.best(run.id);
  const link = (p: { id: number }): Html => markup`<a href="${path}/programs/${p.id}">${p.id}</a>`;
  const rows = store.programSlice(run.id, shown).map(
    (p) =>
      markup`<tr>
        <td>${link(p)}</td>
        <td class="num">${p.generation}</td>
        <td>${parametersText(p)}</td>
        <td class="num">${figure(p.combinedScore)}</td>
        ${qualified(p)}
        <td class="text">${p.textFeedback}</td>
      </tr>`,
  );
  const chart = scoreChart(
    candidates.map((p) => ({
      generation: p.generation,
      score: p.combinedScore,
      correct: p.correct,
      id: p.id,
      parentId: null,
    })),
    [],
    'candidate',
  );
  const table = markup`<table>
    <tr>
      <th>id</th>
      <th class="num">generation</th>
      <th>parameters</th>
      <th class="num">fitness</th>
      <th>qualified</th>
      <th>why not</th>
    </tr>
    ${rows}
  </table>`;
  const body = markup`<h1>Run ${run.id}: ${run.task}</h1>
    <p>
      ${store.path} · ${status.text} · seed ${run.seed} · ${candidates.length} candidates · best fitness
      ${best ? markup`${link(best)}: ${figure(best.combinedScore)}` : '—'}
    </p>
    <h2>Fitness by generation</h2>
    ${trusted(chart)}
    <h2>Candidates</h2>
    ${paged('candidates', shown, (page) => addressOf(path, { ...pages, page }), table)}
    ${events}`;
  return page(`run ${run.id}: ${run.task}`, body, status.refreshSeconds);
}

/** One experiment candidate: its parameters, fitness, measurements and evaluation log. */
export function candidatePage(db: number, run: RunRecord, p: ProgramRecord): string {
  const params = parametersOf(p);
  const body = markup`<h1>Candidate ${p.id}</h1>
    <p><a href="/db/${db}/runs/${run.id}">run ${run.id}</a> · generation ${p.generation}</p>
    <table>
      <tr>
        <th>fitness</th>
        <td>${figure(p.combinedScore)}</td>
      </tr>
      <tr>
        <th>qualified</th>
        ${qualified(p)}
      </tr>
      ${
        params
          ? Object.entries(params).map(
              ([name, value]) =>
                markup`<tr>
                  <th>${name}</th>
                  <td>${valueText(value)}</td>
                </tr>`,
            )
          : markup`<tr>
              <th>parameters</th>
              <td>${p.code}</td>
            </tr>`
      }
    </table>
    ${block('Why it was disqualified', p.textFeedback || null)}
    <h2>Measurements</h2>
    <pre>${JSON.stringify({ metrics: p.publicMetrics, ...p.privateMetrics }, null, 2)}</pre>
    ${block('Evaluation log', p.stdout)} ${block('Evaluator error', p.stderr)}`;
  return page(`candidate ${p.id} · run ${run.id}: ${run.task}`, body);
}
