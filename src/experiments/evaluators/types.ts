import type { Params } from '../../evolve/genomes/params/index.js';

/** What an evaluator measured for one candidate configuration. */
export interface Measurement {
  /** Named numbers (latency, capacity, utilisation, ...); the spec's metrics pick from them. */
  metrics: Record<string, number>;
  /** The candidate ran out of memory (or could not start for lack of it): disqualified. */
  oom: boolean;
  /** Anything else that went wrong (crash, timeout, unreadable output); null when it ran. */
  error: string | null;
  /**
   * The error is the configuration's own (vLLM cannot start with it, the model refuses it), not
   * the evaluator failing to work: a result about it, as an OOM is.
   */
  configurationError?: boolean;
  /** Text worth keeping as the candidate's artefact (logs, probes), already bounded. */
  log: string;
}

/** Limits and context of one evaluation. */
export interface EvaluationContext {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Measures a configuration. Implementations: colocate-model, command, live. */
export interface Evaluator {
  readonly kind: string;
  /**
   * True when `evaluate` keeps to `timeoutMs` itself (killing what it started, restoring the
   * baseline): the runner then awaits it instead of abandoning it at the deadline.
   */
  readonly enforcesDeadline?: boolean;
  /** Every metric it can report, when known before a run (a spec naming another is refused). */
  readonly reports?: readonly string[];
  evaluate(params: Params, context: EvaluationContext): Promise<Measurement>;
}

/**
 * Fill `{name}` placeholders of a template with the candidate's parameter values (numbers in
 * plain decimal). Unknown placeholders are left for the caller to reject.
 */
export function fillTemplate(template: string, params: Params): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}
