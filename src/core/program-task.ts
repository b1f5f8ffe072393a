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
  inputs(): unknown[][];
  /** Score the answers (one per input; null where the program returned nothing) and the ms each call took. */
  score(answers: unknown[], ms: number[]): ScoredAnswers;
}

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
