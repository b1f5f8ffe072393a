import { Rng } from '../core/rng.js';
import type { Draft, ProgramRecord, ProgramSummary } from './database/store.js';
import type { PatchType } from './genomes/program/index.js';
import type { ChatMessage } from './llm/index.js';
import { byScore, drawWeighted, selectInspirations, selectParent } from './population/selection.js';
import { systemPrompt, userPrompt, type PromptInput } from './prompts.js';
import type { RunContext } from './run-context.js';

const PATCH_TYPES: PatchType[] = ['diff', 'full', 'cross'];

/** A generation's own random stream: the same seed and generation give the same choices. */
export function generationRng(seed: number, generation: number): Rng {
  return new Rng((Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + generation * 0x27d4eb2f) >>> 0);
}

/** Children of each program so far. */
function childCounts(programs: readonly ProgramSummary[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const p of programs)
    if (p.parentId !== null) counts.set(p.parentId, (counts.get(p.parentId) ?? 0) + 1);
  return counts;
}

/** The island's parents: its correct programs, else any correct one, else the initial program. */
function parentPool(programs: readonly ProgramSummary[], island: number): ProgramSummary[] {
  const usable = programs.filter((p) => p.kind !== 'failed');
  const onIsland = usable.filter((p) => p.island === island && p.correct);
  if (onIsland.length) return onIsland;
  const correct = usable.filter((p) => p.correct);
  return correct.length ? correct : usable.filter((p) => p.kind === 'initial');
}

/** What a generation asks: its choices, the programs they name and the prompt made of them. */
export interface Question {
  island: number;
  parent: ProgramRecord;
  secondParent: ProgramRecord | null;
  inspirations: ProgramRecord[];
  patchType: PatchType;
  model: string;
  temperature: number;
  system: string;
  user: string;
  /** The turns asked before a stop (see Draft): replayed as they were sent. */
  turns: ChatMessage[];
}

/**
 * Draw a generation's question from its own random stream: island by turn, a parent and
 * inspirations from the programs stored so far, a patch type, a model and temperature.
 */
function drawQuestion(ctx: RunContext, generation: number): Question {
  const { config, store, runId, task } = ctx;
  const rng = generationRng(config.seed, generation);
  const programs = store.summaries(runId);
  const island = generation % config.islands;
  const candidates = parentPool(programs, island);
  const parentSummary = selectParent(candidates, childCounts(programs), config.selection, rng);
  const parent = store.program(parentSummary.id);
  const weights = PATCH_TYPES.map((t) => config.patchTypes[t]);
  let patchType = PATCH_TYPES[drawWeighted(weights, rng)]!;
  const others = byScore(
    programs.filter((p) => p.correct && p.id !== parent.id && p.kind !== 'failed'),
  );
  if (patchType === 'cross' && others.length === 0)
    patchType = config.patchTypes.diff > 0 ? 'diff' : 'full';
  const secondParent =
    patchType === 'cross'
      ? store.program(others[rng.int(0, Math.min(others.length, config.archiveSize) - 1)]!.id)
      : null;
  const inspirations = selectInspirations(
    candidates,
    parent.id,
    config.inspirations.top,
    config.inspirations.random,
    rng,
  ).map((p) => store.program(p.id));
  const { model, temperature } = ctx.pool.select(rng);
  const input: PromptInput = {
    task,
    patchType,
    parent,
    secondParent,
    inspirations,
    recommendations: ctx.recommendations(),
  };
  return {
    island,
    parent,
    secondParent,
    inspirations,
    patchType,
    model,
    temperature,
    system: systemPrompt(input),
    user: userPrompt(input),
    turns: [],
  };
}

/** Whether a draft's turns are what saveDraftTurns writes (a hand-edited column may not be). */
function isConversation(turns: unknown): turns is ChatMessage[] {
  return (
    Array.isArray(turns) &&
    turns.every(
      (t: { role?: unknown; content?: unknown } | null) =>
        (t?.role === 'user' || t?.role === 'assistant') && typeof t.content === 'string',
    )
  );
}

/**
 * The question a draft kept, or null when it cannot be asked again: it names a model the run no
 * longer has, or a program the run does not hold (a database edited by hand: also a malformed
 * list of inspirations).
 */
function draftedQuestion(ctx: RunContext, draft: Draft): Question | null {
  const { store, runId } = ctx;
  const patchType = PATCH_TYPES.find((t) => t === draft.patchType);
  const parent = store.programOfRun(runId, draft.parentId);
  const secondParent =
    draft.secondParentId === null ? null : store.programOfRun(runId, draft.secondParentId);
  // A hand-edited column may hold anything JSON does.
  const ids: unknown[] = Array.isArray(draft.inspirationIds) ? draft.inspirationIds : [null];
  const named = ids.map((id) =>
    Number.isInteger(id) ? store.programOfRun(runId, id as number) : null,
  );
  const inspirations = named.filter((p): p is ProgramRecord => p !== null);
  if (
    !patchType ||
    !parent ||
    (draft.secondParentId !== null && !secondParent) ||
    inspirations.length !== named.length ||
    !isConversation(draft.turns) ||
    !ctx.clients.has(draft.model)
  )
    return null;
  return {
    island: draft.island,
    parent,
    secondParent,
    inspirations,
    patchType,
    model: draft.model,
    temperature: draft.temperature,
    system: draft.systemPrompt,
    user: draft.userPrompt,
    turns: draft.turns,
  };
}

/**
 * The question of generation `generation`: its draft's when the run stopped while it was in
 * flight (the same question again, so its stored reply is found), else drawn afresh and kept as
 * its draft before anything is asked.
 */
export function questionOf(ctx: RunContext, generation: number): Question {
  const { store, runId } = ctx;
  const draft = store.draft(runId, generation);
  const drafted = draft && draftedQuestion(ctx, draft);
  if (drafted) {
    ctx.pool.claim(drafted.model);
    return drafted;
  }
  const question = drawQuestion(ctx, generation);
  store.saveDraft({
    runId,
    generation,
    island: question.island,
    parentId: question.parent.id,
    secondParentId: question.secondParent?.id ?? null,
    inspirationIds: question.inspirations.map((p) => p.id),
    patchType: question.patchType,
    model: question.model,
    temperature: question.temperature,
    systemPrompt: question.system,
    userPrompt: question.user,
    turns: question.turns,
  });
  return question;
}
