import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import type { RunStore } from './database/store.js';
import type { Budget, ChatClient, ChatRequest, PriceTable } from './llm/index.js';
import { costUsd, worstCaseChatUsd } from './llm/index.js';

/** Programs a meta round reads at most: the latest ones, so that its prompt stays bounded. */
const MAX_PROGRAMS_PER_ROUND = 30;

const SECTIONS = ['Summaries', 'Insights', 'Recommendations'] as const;

/** Split a reply into its `## Summaries`, `## Insights`, `## Recommendations` sections. */
export function parseMetaReply(text: string): Record<(typeof SECTIONS)[number], string> {
  const out = { Summaries: '', Insights: '', Recommendations: '' };
  let current: (typeof SECTIONS)[number] | null = null;
  for (const line of text.split('\n')) {
    const heading = /^#{1,3}\s*(Summaries|Insights|Recommendations)\b/i.exec(line);
    if (heading) {
      current = SECTIONS.find((s) => s.toLowerCase() === heading[1]!.toLowerCase())!;
      continue;
    }
    if (current) out[current] += `${line}\n`;
  }
  for (const s of SECTIONS) out[s] = out[s].trim();
  return out;
}

/**
 * Meta memory: after every `every` programs, a meta model reads the programs since the last
 * round (score, feedback, diff) and the previous insights, and writes per-program summaries, a
 * global insights scratchpad and numbered recommendations. They go to the database and, as
 * markdown, to `folder`; the recommendations join every later prompt. The call holds its worst
 * case in the `budget` while it runs; when the budget cannot hold it, there is no round (false).
 */
export async function metaRound(args: {
  store: RunStore;
  runId: number;
  client: ChatClient;
  prices: PriceTable;
  budget: Budget;
  folder: string;
  maxTokens: number;
}): Promise<boolean> {
  const { store, runId, client } = args;
  const previous = store.latestMeta(runId);
  const programs = store.programs(runId).filter((p) => p.kind === 'proposal');
  const fresh = programs.slice(previous?.afterPrograms ?? 0).slice(-MAX_PROGRAMS_PER_ROUND);
  const listing = fresh
    .map(
      (p) =>
        `### Program ${p.id} (parent ${p.parentId}, ${p.patchType}, score ${p.combinedScore}, ` +
        `${p.correct ? 'correct' : 'incorrect'})\nFeedback: ${p.textFeedback}\n\`\`\`diff\n${p.diff.slice(0, 4000)}\n\`\`\``,
    )
    .join('\n\n');
  const request: ChatRequest = {
    system:
      'You keep the research notes of an evolutionary search over programs. Answer with three ' +
      'markdown sections: "## Summaries" (one line per program: what changed and what it did to ' +
      'the score), "## Insights" (the updated global scratchpad: what works, what fails), and ' +
      '"## Recommendations" (a numbered list of concrete next changes to try).',
    messages: [
      {
        role: 'user',
        content: `# Previous insights\n${previous?.insights || '(none yet)'}\n\n# New programs\n${listing}`,
      },
    ],
    temperature: 0,
    maxTokens: args.maxTokens,
  };
  const costOf = (r: { inputTokens: number; outputTokens: number }): number =>
    costUsd(args.prices, client.spec.label, r.inputTokens, r.outputTokens);
  const worstCase = worstCaseChatUsd(args.prices, client.spec.label, request);
  const reply = await args.budget.within(worstCase, () => client.chat(request), costOf);
  if (!reply) return false;
  const usd = costOf(reply);
  const sections = parseMetaReply(reply.text);
  store.addMeta(runId, {
    afterPrograms: programs.length,
    summaries: sections.Summaries,
    insights: sections.Insights,
    recommendations: sections.Recommendations,
    usd,
  });
  const stamp = String(programs.length).padStart(5, '0');
  writeFileAtomic(
    join(args.folder, `meta-${stamp}.md`),
    `# After ${programs.length} programs\n\n## Summaries\n${sections.Summaries}\n\n## Insights\n${sections.Insights}\n\n## Recommendations\n${sections.Recommendations}\n`,
  );
  writeFileAtomic(join(args.folder, 'recommendations.md'), `${sections.Recommendations}\n`);
  return true;
}
