import { runKind, type RunRecord, type RunStore } from '../../evolve/database/store.js';
import type { HeldOutCheck } from '../../evolve/engine.js';
import { scoreChart } from '../chart.js';
import { runStatus } from './status.js';
import { figure, markup, page, trusted } from '../html.js';
import { addressOf, paged, tablePage, type PageNumbers } from '../paging.js';
import { experimentRunPage } from './candidate.js';
import { eventsSection } from './events.js';
import { heldOutText } from './program.js';

/**
 * One run: its score chart over every program, the page of its programs (in generation order)
 * and of its events that `pages` names; null when there is no such page.
 */
export function runPage(
  store: RunStore,
  db: number,
  run: RunRecord,
  pages: PageNumbers,
): string | null {
  if (runKind(run) === 'experiment') return experimentRunPage(store, db, run, pages);
  const path = `/db/${db}/runs/${run.id}`;
  const programs = store
    .summaries(run.id)
    .sort((a, b) => a.generation - b.generation || a.id - b.id);
  const shown = tablePage(pages.page ?? 1, programs.length);
  const events = eventsSection(store, run.id, path, pages);
  if (!shown || !events) return null;
  const status = runStatus(store, run);
  const best = store.best(run.id);
  const heldOut = store.events(run.id, 'holdout').at(-1);
  const heldOutScores = store.heldOutScores(run.id);
  const rows = programs.slice(shown.offset, shown.offset + shown.limit).map(
    (p) =>
      markup`<tr>
        <td><a href="/db/${db}/runs/${run.id}/programs/${p.id}">${p.id}</a></td>
        <td class="num">${p.generation}</td>
        <td class="num">${p.island}</td>
        <td>${p.kind}</td>
        <td>${p.patchType ?? '—'}</td>
        <td>${p.model ?? '—'}</td>
        <td class="num">${figure(p.combinedScore)}</td>
        <td class="${p.correct ? 'good' : 'bad'}">${p.correct ? 'yes' : 'no'}</td>
        <td class="num">${heldOutText(heldOutScores.get(p.id), '—')}</td>
        <td class="num">${p.parentId ?? '—'}</td>
        <td class="num">$${figure(p.usd, 4)}</td>
      </tr>`,
  );

  const chart = scoreChart(
    programs.map((p) => {
      const h = heldOutScores.get(p.id);
      return {
        generation: p.generation,
        score: p.combinedScore,
        correct: p.correct,
        id: p.id,
        parentId: p.parentId,
        ...(h ? { heldOut: { score: h.combinedScore, correct: h.correct } } : {}),
      };
    }),
    store.events(run.id, 'holdout-check').map((e) => {
      const check = e.data as HeldOutCheck;
      return { generation: check.generation, score: check.combinedScore, correct: check.correct };
    }),
  );
  const table = markup`<table>
    <tr>
      <th>id</th>
      <th class="num">generation</th>
      <th class="num">island</th>
      <th>kind</th>
      <th>patch</th>
      <th>model</th>
      <th class="num">score</th>
      <th>correct</th>
      <th class="num">held-out</th>
      <th class="num">parent</th>
      <th class="num">USD</th>
    </tr>
    ${rows}
  </table>`;
  const body = markup`<h1>Run ${run.id}: ${run.task}</h1>
    <p>
      ${store.path} · ${status.text} · seed ${run.seed} · ${programs.length} programs · best
      ${best ? markup`<a href="/db/${db}/runs/${run.id}/programs/${best.id}">${figure(best.combinedScore)}</a>` : '—'}
      · spent $${figure(store.spentUsd(run.id), 4)}
      ${heldOut ? markup`· ${heldOut.message}` : ''}
    </p>
    <h2>Score by generation</h2>
    ${trusted(chart)}
    <h2>Programs</h2>
    ${paged('programs', shown, (page) => addressOf(path, { ...pages, page }), table)}
    ${events}`;
  return page(`run ${run.id}: ${run.task}`, body, status.refreshSeconds);
}
