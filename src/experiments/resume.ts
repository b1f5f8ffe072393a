import { z } from 'zod';
import { UserError } from '../core/errors.js';
import { parseWith } from '../core/schema.js';
import type { RunStore } from '../evolve/database/store.js';
import type { Measurement } from './evaluators/types.js';
import type { ExperimentSpec } from './spec.js';

/** A candidate an earlier session of a run evaluated and stored, to be replayed, not re-run. */
export interface StoredCandidate {
  id: number;
  /** The configuration's canonical key (what the run stores as the candidate's code). */
  key: string;
  measurement: Measurement;
  /** Wall-clock time its evaluation took (0 in runs stored before it was recorded). */
  evalMs: number;
}

/** A stored candidate's measured metrics: named finite numbers, as the runner writes them. */
const storedMetricsSchema = z.record(z.string(), z.number());

/**
 * The candidates run `runId` has stored, in the order they were evaluated. Metrics a database
 * edited by hand made other than numbers are refused: they would score as no run did.
 */
export function storedCandidates(store: RunStore, runId: number): StoredCandidate[] {
  return store.programs(runId).map((p) => ({
    id: p.id,
    key: p.code,
    measurement: {
      metrics: parseWith(
        storedMetricsSchema,
        p.publicMetrics,
        store.path,
        `candidate ${p.id}: public_metrics`,
      ),
      oom: p.privateMetrics.oom === true,
      error: p.stderr === '' ? null : p.stderr,
      configurationError: p.privateMetrics.configurationError === true,
      log: p.stdout,
    },
    // A database edited by hand could give any number here; the wall clock takes only real time.
    evalMs: Number.isFinite(p.evalMs) && p.evalMs > 0 ? p.evalMs : 0,
  }));
}

/**
 * What a resumed run may change in its spec: the limits it runs under (but the population, which
 * shapes every generation), how its winner is promoted and its logs kept, and the description.
 * Everything else decides which configurations are drawn and how they are measured and scored.
 */
function withoutChangeable(spec: ExperimentSpec): unknown {
  return {
    ...spec,
    description: undefined,
    promotion: undefined,
    artefacts: undefined,
    budget: { population: spec.budget.population },
  };
}

/**
 * Refuse to resume run `runId`, made with spec `stored`, with a spec that differs from it in
 * anything that decides which configurations are drawn or how they are scored: replaying the
 * stored candidates would then not lead where the run was. Names the first field that differs.
 */
export function requireSameSpec(
  stored: ExperimentSpec,
  given: ExperimentSpec,
  specPath: string,
  runId: number,
): void {
  const field = firstDifference(withoutChangeable(stored), withoutChangeable(given), '');
  if (field === null) return;
  throw new UserError(
    `differs from the spec run ${runId} was made with; a resumed run replays its ` +
      'candidates, so only the budget (but the population), promotion, artefacts and description ' +
      'may change: put it back, or start a new run with "evoplace experiment run"',
    specPath,
    field,
  );
}

/** The path of the first place two JSON values differ ('' for the values themselves), or null. */
function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null)
    return Object.is(a, b) ? null : path || '(the spec)';
  if (Array.isArray(a) !== Array.isArray(b)) return path || '(the spec)';
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const key of keys) {
    const inner = Array.isArray(a) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    const found = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      inner,
    );
    if (found !== null) return found;
  }
  return null;
}
