import { createHash } from 'node:crypto';
import { isUserError } from '../core/errors.js';
import type { NewProgram, ProgramRecord } from './database/store.js';
import { codeFingerprint, cosineSimilarity, unifiedDiff } from './genomes/program/index.js';
import type { ChatClient, ChatMessage, ChatReply, ChatRequest } from './llm/index.js';
import { costUsd, worstCaseChatUsd, worstCaseEmbeddingUsd } from './llm/index.js';
import { applyReply } from './patching.js';
import { retryPrompt } from './prompts.js';
import { questionOf } from './question.js';
import type { RunContext } from './run-context.js';
import { evaluationFields, withdrawnAsNull } from './task.js';

interface Accepted {
  code: string;
}

/** A hash of everything a request asks: the same key, the same question to the same model. */
export function requestKey(model: string, request: ChatRequest): string {
  return createHash('sha256').update(JSON.stringify({ model, request })).digest('hex');
}

/**
 * The reply to one turn of generation `generation`: the one stored from an earlier session of
 * the run when it asked exactly this (a run killed while the child was evaluated), else a fresh
 * call, stored the moment it arrives. `paid`: false for a stored reply (already counted). A
 * fresh call holds its worst-case cost in the budget while it runs; null when the budget cannot
 * hold it (the call is not made).
 */
async function askOnce(
  ctx: RunContext,
  client: ChatClient,
  call: { generation: number; attempt: number; model: string },
  request: ChatRequest,
): Promise<{ reply: ChatReply; usd: number; paid: boolean } | null> {
  const key = requestKey(call.model, request);
  const stored = ctx.store.llmCall(ctx.runId, call.generation, call.attempt, key);
  if (stored) {
    const { reply: text, inputTokens, outputTokens, usd } = stored;
    return { reply: { text, inputTokens, outputTokens, model: call.model }, usd, paid: false };
  }
  const costOf = (r: ChatReply): number =>
    costUsd(ctx.prices, call.model, r.inputTokens, r.outputTokens);
  const worstCase = worstCaseChatUsd(ctx.prices, call.model, request);
  const reply = await ctx.budget.within(worstCase, () => client.chat(request), costOf);
  if (!reply) return null;
  const usd = costOf(reply);
  ctx.store.recordLlmCall({
    runId: ctx.runId,
    ...call,
    requestKey: key,
    reply: reply.text,
    inputTokens: reply.inputTokens,
    outputTokens: reply.outputTokens,
    usd,
  });
  return { reply, usd, paid: true };
}

/** Where an embedding is kept among the LLM calls: by the code it is of. */
export function embeddingKey(code: string): string {
  return `embedding:${createHash('sha256').update(code).digest('hex')}`;
}

/**
 * The embedding of a child's code: the one stored (from an earlier turn or session), else a
 * call within the budget, stored with its cost the moment it returns. null when the budget
 * cannot hold the call or the call fails (a warning says so): the child then goes unchecked.
 */
async function embeddingOf(
  ctx: RunContext,
  code: string,
  call: { generation: number; attempt: number },
): Promise<number[] | null> {
  const embedder = ctx.embedder!;
  const key = embeddingKey(code);
  const stored = ctx.store.embedding(ctx.runId, key);
  if (stored) return stored;
  const costOf = (r: { inputTokens: number }): number =>
    costUsd(ctx.prices, embedder.label, r.inputTokens, 0);
  const worstCase = worstCaseEmbeddingUsd(ctx.prices, embedder.label, [code]);
  try {
    const result = await ctx.budget.within(worstCase, () => embedder.client.embed([code]), costOf);
    const vector = result?.vectors[0];
    if (!result || !vector) return null;
    ctx.store.recordLlmCall({
      runId: ctx.runId,
      ...call,
      model: embedder.label,
      requestKey: key,
      reply: JSON.stringify(vector),
      inputTokens: result.inputTokens,
      outputTokens: 0,
      usd: costOf(result),
    });
    return vector;
  } catch (error) {
    if (isUserError(error)) throw error;
    ctx.warnOnce(
      'embedding-failed',
      `the embedding model failed (${(error as Error).message}); children go without the novelty check until it answers`,
    );
    return null;
  }
}

/** Reject a child identical to, or (with embeddings) too similar to, a program of the run. */
async function rejection(
  ctx: RunContext,
  code: string,
  island: number,
  call: { generation: number; attempt: number },
): Promise<{ reason: string; vector: number[] | null }> {
  const fingerprint = codeFingerprint(code);
  if (ctx.pending.has(fingerprint))
    return {
      reason: 'another proposal just produced this same program; propose a different change',
      vector: null,
    };
  // Read afresh: generations running alongside may have stored programs since this one began.
  const programs = ctx.store.summaries(ctx.runId);
  const twin = programs.find((p) => p.fingerprint === fingerprint);
  if (twin)
    return {
      reason: `the result is identical to program ${twin.id}; propose a real change`,
      vector: null,
    };
  if (!ctx.embedder) return { reason: '', vector: null };
  const vector = await embeddingOf(ctx, code, call);
  for (const p of programs) {
    const other = p.island === island ? ctx.embeddings.get(p.id) : undefined;
    if (other && vector && cosineSimilarity(vector, other) >= ctx.config.llm.noveltyThreshold)
      return {
        reason: `the result is nearly the same as program ${p.id}; try a different idea`,
        vector,
      };
  }
  return { reason: '', vector };
}

/**
 * A generation whose LLM calls all failed, not yet stored: `store` keeps it as a failed proposal
 * (a transient failure), `withdraw` drops it so that it is asked again (the LLM is unreachable).
 */
export interface Unanswered {
  kind: 'unanswered';
  model: string;
  /** Why the call failed. */
  error: string;
  store(): void;
  withdraw(): void;
}

/**
 * How a generation ended: its program stored, no proposal for want of budget, its evaluation
 * withdrawn (the run stopped before it started: nothing stored, a resume asks it again), or no reply.
 */
export type GenerationOutcome =
  { kind: 'stored' } | { kind: 'budget' } | { kind: 'withdrawn' } | Unanswered;

/**
 * One generation: its question (see questionOf); ask the LLM (a failed patch goes back with
 * its reason, up to `patchAttempts` turns); evaluate the child in the sandbox; store it. A
 * generation that got no reply at all is handed back unstored (see Unanswered).
 */
export async function runGeneration(
  ctx: RunContext,
  generation: number,
): Promise<GenerationOutcome> {
  const { config, store, runId, task } = ctx;
  const question = questionOf(ctx, generation);
  const { island, parent, secondParent, inspirations, patchType, model, temperature, system } =
    question;
  const client = ctx.clients.get(model)!;
  const messages: ChatMessage[] = [{ role: 'user', content: question.user }];
  const usage = { inputTokens: 0, outputTokens: 0, usd: 0, llmMs: 0, attempts: 0 };
  const replies: string[] = [];
  let accepted: Accepted | null = null;
  let vector: number[] | null = null;
  let reason = '';
  let callError = '';
  while (usage.attempts < config.patchAttempts && !accepted) {
    const started = performance.now();
    let answer;
    try {
      answer = await askOnce(
        ctx,
        client,
        { generation, attempt: usage.attempts + 1, model },
        { system, messages: [...messages], temperature, maxTokens: config.llm.maxTokens },
      );
    } catch (error) {
      if (isUserError(error)) throw error;
      usage.attempts++;
      callError = (error as Error).message;
      reason = `the LLM call failed: ${callError}`;
      ctx.warnOnce(
        'llm-failed',
        `calls to ${model} fail (${callError}); such a generation is stored as failed, and when ` +
          'the LLM keeps failing the run stops',
      );
      break;
    } finally {
      usage.llmMs += performance.now() - started;
    }
    if (!answer) {
      // The budget cannot hold this turn: no proposal at all, or a failed one after its turns.
      if (usage.attempts === 0) {
        ctx.pool.cancel(model);
        return { kind: 'budget' };
      }
      reason = `the budget cannot hold another turn (${reason})`;
      break;
    }
    usage.attempts++;
    const { reply } = answer;
    usage.inputTokens += reply.inputTokens;
    usage.outputTokens += reply.outputTokens;
    usage.usd += answer.usd;
    replies.push(reply.text);
    const patched = applyReply(patchType, parent.code, reply.text, task.language);
    if (patched.ok) {
      const rejected = await rejection(ctx, patched.code, island, {
        generation,
        attempt: usage.attempts,
      });
      if (!rejected.reason) {
        accepted = { code: patched.code };
        vector = rejected.vector;
        ctx.pending.add(codeFingerprint(patched.code));
      } else reason = rejected.reason;
    } else reason = patched.reason;
    if (!accepted) {
      // Replaying a conversation from before a stop, send back what was sent then: the next
      // turn is then the question whose reply is stored, whatever the reason reads like now.
      const turn = messages.length - 1;
      const sent = question.turns[turn]?.content === reply.text ? question.turns[turn + 1] : null;
      messages.push(
        { role: 'assistant', content: reply.text },
        sent ?? { role: 'user', content: retryPrompt(reason) },
      );
      store.saveDraftTurns(runId, generation, messages.slice(1));
    }
  }
  const base = {
    runId,
    generation,
    island,
    parentId: parent.id,
    secondParentId: secondParent?.id ?? null,
    inspirationIds: inspirations.map((p) => p.id),
    language: task.language,
    patchType,
    patchAttempts: usage.attempts,
    model,
    temperature,
    prompt: JSON.stringify({ system, messages }),
    response: replies.join('\n\n----- next reply -----\n\n'),
    llmMs: usage.llmMs,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    usd: usage.usd,
  };
  let record: NewProgram;
  if (!accepted) {
    record = {
      ...base,
      kind: 'failed',
      code: parent.code,
      fingerprint: '',
      diff: '',
      publicMetrics: {},
      privateMetrics: {},
      combinedScore: 0,
      correct: false,
      textFeedback: reason,
      stdout: '',
      stderr: '',
      evalMs: 0,
    };
  } else {
    const code = accepted.code;
    const evaluation = await ctx.evaluate(task, code).catch(withdrawnAsNull);
    if (!evaluation) {
      ctx.pending.delete(codeFingerprint(code));
      ctx.pool.cancel(model);
      return { kind: 'withdrawn' };
    }
    record = {
      ...base,
      kind: 'proposal',
      code,
      fingerprint: codeFingerprint(code),
      diff: unifiedDiff(parent.code, code, { fromName: `program-${parent.id}`, toName: 'child' }),
      ...evaluationFields(evaluation),
    };
  }
  const keep = (): void => {
    const id = store.insertProgram(record, config.archiveSize);
    if (accepted) ctx.pending.delete(record.fingerprint);
    if (vector) ctx.embeddings.set(id, vector);
    ctx.pool.record(model, modelReward(parent, record));
  };
  if (replies.length === 0)
    return {
      kind: 'unanswered',
      model,
      error: callError,
      store: keep,
      withdraw: () => ctx.pool.cancel(model),
    };
  keep();
  return { kind: 'stored' };
}

/** What a child taught the model pool: its improvement over its parent, if correct. */
export function modelReward(
  parent: Pick<ProgramRecord, 'combinedScore'>,
  child: Pick<NewProgram, 'correct' | 'combinedScore'>,
): number {
  return child.correct ? Math.max(0, child.combinedScore - parent.combinedScore) : 0;
}
