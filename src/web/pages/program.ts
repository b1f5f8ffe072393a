import { z } from 'zod';
import type { HeldOutRecord, ProgramRecord, RunRecord } from '../../evolve/database/store.js';
import { figure, markup, page, type Html } from '../html.js';

/**
 * A block of text (a log, feedback, a prompt) shown verbatim under its title, its long lines
 * wrapped; `code` (code, a diff) keeps its lines and scrolls. Nothing when there is no text.
 */
export function block(title: string, text: string | null, code = false): Html | null {
  return text
    ? markup`<h2>${title}</h2>
        <pre class="${code ? 'code' : null}">${text}</pre>`
    : null;
}

/** A prompt as proposal.ts stores it: the system prompt and the conversation sent. */
const storedPrompt = z.object({
  system: z.string(),
  messages: z.array(z.object({ role: z.string(), content: z.string() })),
});

/**
 * A stored prompt as it reads: each part under its role, its newlines as lines (the stored
 * JSON is one line). Anything else as it is.
 */
export function promptText(prompt: string | null): string | null {
  if (!prompt) return prompt;
  let parsed;
  try {
    parsed = storedPrompt.safeParse(JSON.parse(prompt));
  } catch {
    return prompt;
  }
  if (!parsed.success) return prompt;
  const { system, messages } = parsed.data;
  return [{ role: 'system', content: system }, ...messages]
    .map((m) => `── ${m.role} ──\n${m.content}`)
    .join('\n\n');
}

/** A held-out score as the pages show it: the score, that a rule was broken, or `unscored`. */
export function heldOutText(h: HeldOutRecord | undefined, unscored: Html | string): Html | string {
  if (!h) return unscored;
  return h.correct ? figure(h.combinedScore) : markup`<span class="bad">incorrect</span>`;
}

/**
 * One program: where it came from, how it scored and why (on the run's cases, and on the
 * held-out ones when it was scored there), its code and what produced it.
 */
export function programPage(
  db: number,
  run: RunRecord,
  p: ProgramRecord,
  heldOut: HeldOutRecord | undefined,
): string {
  const link = (id: number | null): Html | string =>
    id === null ? '—' : markup`<a href="/db/${db}/runs/${run.id}/programs/${id}">${id}</a>`;
  const body = markup`<h1>Program ${p.id}</h1>
    <p>
      <a href="/db/${db}/runs/${run.id}">run ${run.id}</a> · generation ${p.generation} · island
      ${p.island} · ${p.kind}${p.patchType ? markup` (${p.patchType})` : null}
    </p>
    <table>
      <tr>
        <th>score</th>
        <td>${figure(p.combinedScore)}</td>
      </tr>
      <tr>
        <th>correct</th>
        <td class="${p.correct ? 'good' : 'bad'}">${p.correct ? 'yes' : 'no'}</td>
      </tr>
      <tr>
        <th>held-out score</th>
        <td>${heldOutText(heldOut, markup`<span class="muted">not scored (evolve holdout)</span>`)}</td>
      </tr>
      <tr>
        <th>parent</th>
        <td>${link(p.parentId)}</td>
      </tr>
      <tr>
        <th>second parent</th>
        <td>${link(p.secondParentId)}</td>
      </tr>
      <tr>
        <th>inspirations</th>
        <td>${p.inspirationIds.length ? p.inspirationIds.map((id) => markup`${link(id)} `) : '—'}</td>
      </tr>
      <tr>
        <th>model</th>
        <td>
          ${p.model ?? '—'}${p.temperature === null ? null : markup` at temperature ${p.temperature}`}
        </td>
      </tr>
      <tr>
        <th>cost</th>
        <td>
          $${figure(p.usd, 4)} · ${p.inputTokens} + ${p.outputTokens} tokens · ${figure(p.llmMs, 4)}
          ms LLM · ${figure(p.evalMs, 4)} ms evaluation
        </td>
      </tr>
    </table>
    ${block('Feedback', p.textFeedback)} ${block('Feedback on held-out cases', heldOut?.textFeedback ?? null)}
    <h2>Metrics</h2>
    <pre>${JSON.stringify({ public: p.publicMetrics, private: p.privateMetrics }, null, 2)}</pre>
    ${block('Diff from the parent', p.diff, true)} ${block('Code', p.code, true)}
    ${block('Standard output', p.stdout)} ${block('Standard error', p.stderr)}
    ${block('Prompt', promptText(p.prompt))} ${block('Response', p.response)}`;
  return page(`program ${p.id} · run ${run.id}: ${run.task}`, body);
}
