import type { EvolveConfig } from './config.js';
import type { RunStore } from './database/store.js';
import type { Budget, ChatClient, EmbeddingClient, ModelPool, PriceTable } from './llm/index.js';
import type { EvaluationRecord, Task } from './task.js';

/** Everything one generation needs; shared by the concurrent generations of a run. */
export interface RunContext {
  task: Task;
  config: EvolveConfig;
  store: RunStore;
  runId: number;
  clients: ReadonlyMap<string, ChatClient>;
  /** The embedding model for novelty rejection, and its label (for its price), if any. */
  embedder: { client: EmbeddingClient; label: string } | null;
  /** Embeddings of the run's programs (id → vector), for novelty rejection. */
  embeddings: Map<number, number[]>;
  /** Say something worth money once per run (`code`), as a warning event and on stderr. */
  warnOnce: (code: string, message: string) => void;
  /** Fingerprints of children accepted by generations still in flight (not yet stored). */
  pending: Set<string>;
  pool: ModelPool;
  budget: Budget;
  prices: PriceTable;
  /**
   * Evaluate `code` as `task` under the run's limits, `concurrency.evaluations` at a time. Rejects
   * with EvaluationWithdrawn when the run stops before the evaluation started (see Task.evaluate).
   */
  evaluate: (task: Task, code: string) => Promise<EvaluationRecord>;
  recommendations: () => string | null;
}
