/**
 * A problem as an evolution task (DESIGN §2: each problem's `task.ts`): the function an evolved
 * program must export, the calls it is scored on, and the strict scorer of its answers. The
 * engine runs the program in its sandbox and hands the answers back here; the problem never
 * runs untrusted code and never trusts what the program says about itself.
 */
export interface ProgramTaskSpec {
  /** `prism`, `eplb`, ...: also the folder of its initial program, `programs/<name>/initial.ts`. */
  readonly name: string;
  /** Told to the LLM: what the program does and what a better score means. */
  readonly description: string;
  /** The exported function the program must provide. */
  readonly entry: string;
  /** One argument list per call; the program answers each. */
  readonly inputs: unknown[][];
  /** Score the answers, one per input (null where the program returned nothing). */
  score(answers: unknown[]): ScoredAnswers;
}

/**
 * Which cases a task scores on: the run's own (what evolution optimises) or held-out ones drawn
 * the same way from another seed, never shown to the LLM, to see whether a program generalises.
 */
export const CASE_SETS = ['run', 'holdout'] as const;
export type CaseSet = (typeof CASE_SETS)[number];

/** What a problem's scorer says of a program's answers. Scores: higher is better. */
export interface ScoredAnswers {
  correct: boolean;
  combinedScore: number;
  public: Record<string, unknown>;
  textFeedback: string;
}

/** The answer of a program that broke a rule: incorrect, scored 0, with the reason. */
export function incorrectAnswers(
  reason: string,
  details: Record<string, unknown> = {},
): ScoredAnswers {
  return { correct: false, combinedScore: 0, public: details, textFeedback: reason };
}

/**
 * Score answers case by case against a reference best: `ratioOf(k, answer)` is the answer's
 * figure over the best's (at most 1) or, as a string, why the answer is invalid, which makes the
 * program incorrect. A null answer declines its case: 1 where the reference found nothing
 * either, 0 where it did (`referenceFound[k]`). The combined score is the mean over cases.
 */
export function scoreAgainstReference(
  referenceFound: readonly boolean[],
  answers: unknown[],
  ratioOf: (k: number, answer: unknown) => number | string,
): ScoredAnswers {
  let total = 0;
  let best = 0;
  let declined = 0;
  for (const [k, found] of referenceFound.entries()) {
    const answer = answers[k] ?? null;
    if (answer === null) {
      if (found) declined++;
      else total += 1;
      continue;
    }
    const ratio = ratioOf(k, answer);
    if (typeof ratio === 'string')
      return incorrectAnswers(`case ${k}: ${ratio}`, { failedCase: k });
    total += ratio;
    if (ratio > 1 - 1e-9) best++;
  }
  const cases = referenceFound.length;
  const meanRatio = total / cases;
  return {
    correct: true,
    combinedScore: meanRatio,
    public: { meanRatio, bestCases: best, declinedCases: declined },
    textFeedback:
      `mean ratio to the best ${meanRatio.toFixed(4)} over ${cases} cases; ${best} as good as ` +
      `the best, ${declined} declined where an answer exists`,
  };
}
