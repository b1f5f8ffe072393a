import type { LlmProblem, Placement } from '../../problems/llm/model.js';
import { frontierSvg, type BatchAnswer } from '../../problems/llm/output.js';
import { figure, markup, page, trusted, type Html } from '../html.js';

/** An llm config directory as the dashboard shows it: the frontier of every batch size. */
export interface LlmSet {
  path: string;
  perfModel: string;
  problem: LlmProblem;
  answers: BatchAnswer[];
}

/** The answer with the lowest $ per million tokens over every batch size (null: none feasible). */
function cheapest(set: LlmSet): BatchAnswer | null {
  let best: BatchAnswer | null = null;
  for (const answer of set.answers)
    if (answer.best && (!best || answer.best.usdPerMillionTokens < best.best!.usdPerMillionTokens))
      best = answer;
  return best;
}

/** One line per directory for the index: its model, batch sizes and cheapest $ per M tokens. */
export function llmSummaryRows(sets: readonly LlmSet[]): Html[] {
  return sets.map((set, i) => {
    const best = cheapest(set);
    return markup`<tr><td><a href="/llm/${i}">${set.path}</a></td><td>${set.problem.config.model_name}</td>
      <td class="num">${set.answers.length}</td><td class="num">${best ? `$${figure(best.best!.usdPerMillionTokens, 6)}` : 'none'}</td>
      <td>${set.perfModel}</td></tr>`;
  });
}

function stagesText(placement: Placement): string {
  return placement.stages
    .map((s) => `${s.gpuType} × ${s.tp} (layers ${s.startLayer}–${s.endLayer})`)
    .join(' → ');
}

/** The cost–throughput frontier of every batch size, the cheapest point per token of each, its stages. */
export function llmSetPage(set: LlmSet): string {
  const best = cheapest(set);
  const rows = set.answers.map(
    (a) => markup`<tr class="${a === best ? 'good' : ''}"><td class="num">${a.batchSize}</td>
      <td class="num">${a.frontier.length}</td>
      <td class="num">${a.best ? figure(a.best.throughputTokensPerSec, 6) : '—'}</td>
      <td class="num">${a.best ? figure(a.best.usdPerHour, 6) : '—'}</td>
      <td class="num">${a.best ? figure(a.best.usdPerMillionTokens, 6) : 'no feasible placement'}</td>
      <td>${a.best ? stagesText(a.best) : ''}</td></tr>`,
  );
  const c = set.problem.config;
  const body = markup`<h1>${c.model_name} over ${set.problem.gpuCount} GPUs: ${set.path}</h1>
    <p>${c.num_decoder_layers} layers · ${set.problem.types.map((t) => `${t.count} × ${t.name}`).join(', ')} ·
      performance model ${set.perfModel}</p>
    <h2>Cost against throughput (each batch size's frontier; ringed: its cheapest per token)</h2>
    ${trusted(frontierSvg(set.answers))}
    <h2>Cheapest per token, by batch size</h2>
    <table><tr><th class="num">batch</th><th class="num">frontier points</th><th class="num">tokens/s</th>
      <th class="num">$/h</th><th class="num">$/M tokens</th><th>stages</th></tr>${rows}</table>`;
  return page(`llm ${set.path}`, body);
}
