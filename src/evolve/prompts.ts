import type { PatchType } from './genomes/program/index.js';
import { patchInstructions } from './genomes/program/index.js';
import type { ProgramRecord } from './database/store.js';
import type { Task } from './task.js';

/** What one proposal shows the LLM. Programs are given in ascending score. */
export interface PromptInput {
  task: Pick<Task, 'description' | 'language'>;
  patchType: PatchType;
  parent: ProgramRecord;
  secondParent: ProgramRecord | null;
  inspirations: ProgramRecord[];
  recommendations: string | null;
}

/** A program as the prompt shows it: score, correctness, public metrics, feedback, code. */
function describeProgram(title: string, p: ProgramRecord, language: string): string {
  const metrics = Object.keys(p.publicMetrics).length
    ? `Public metrics: ${JSON.stringify(p.publicMetrics)}\n`
    : '';
  const feedback = p.textFeedback ? `Evaluator feedback: ${p.textFeedback}\n` : '';
  return (
    `## ${title} (program ${p.id}, score ${p.combinedScore}, ${p.correct ? 'correct' : 'INCORRECT'})\n` +
    metrics +
    feedback +
    '```' +
    language +
    '\n' +
    p.code +
    (p.code.endsWith('\n') ? '' : '\n') +
    '```\n'
  );
}

export function systemPrompt(input: PromptInput): string {
  const parts = [
    'You improve a program by evolution. Only the code between EVOLVE-BLOCK-START and ' +
      'EVOLVE-BLOCK-END may change; everything else is fixed by the evaluator.',
    `# Task\n${input.task.description}`,
  ];
  if (input.recommendations)
    parts.push(`# Recommendations from earlier rounds\n${input.recommendations}`);
  parts.push(
    `# Reply format (${input.patchType})\n${patchInstructions(input.patchType, input.task.language)}`,
  );
  return parts.join('\n\n');
}

export function userPrompt(input: PromptInput): string {
  const { language } = input.task;
  const parts: string[] = [];
  if (input.inspirations.length) {
    parts.push('# Prior programs, in ascending score\n');
    for (const p of input.inspirations) parts.push(describeProgram('Prior program', p, language));
  }
  parts.push(describeProgram('Program to improve', input.parent, language));
  if (input.secondParent) {
    parts.push(
      describeProgram('Second parent, to combine with the first', input.secondParent, language),
    );
    parts.push('Write one program that combines the strengths of both parents.');
  } else {
    parts.push('Propose one change that should raise the score, keeping the program correct.');
  }
  return parts.join('\n');
}

/** The follow-up turn after a reply whose patch could not be used. */
export function retryPrompt(reason: string): string {
  return (
    `Your reply could not be applied: ${reason}\n` +
    'Reply again in the required format, against the program exactly as shown above.'
  );
}
