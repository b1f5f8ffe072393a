/**
 * Time per output token of the vLLM service from a memory-bandwidth roofline: every decode step
 * reads all weights once and the KV cache of every running sequence, so a step takes
 * bytes / (bandwidth × efficiency) and gets slower as more sequences run. Requests beyond what
 * the KV cache and `max_num_seqs` admit wait, which stretches their time per token further.
 */

const GIB = 2 ** 30;

/** Fraction of peak DRAM bandwidth a decode step achieves. Assumption (see the doc). */
export const BANDWIDTH_EFFICIENCY = 0.8;

export interface DecodeInput {
  weightsGib: number;
  kvBytesPerToken: number;
  kvBlocks: number;
  blockSize: number;
  maxNumSeqs: number;
  /** Tokens (prompt + generated so far) each running sequence holds. */
  contextTokens: number;
  /** Requests in flight; fewer than one counts as one (the latency a lone request sees). */
  concurrentRequests: number;
  bandwidthGBps: number;
}

export interface DecodeLatency {
  /** Sequences decoded together: requests, capped by `max_num_seqs` and free KV blocks. */
  runningSequences: number;
  /** Milliseconds per output token a request sees; null when no sequence fits. */
  llmLatencyMs: number | null;
}

export function decodeLatency(d: DecodeInput): DecodeLatency {
  const requests = Math.max(1, d.concurrentRequests);
  const blocksPerSequence = Math.ceil(d.contextTokens / d.blockSize);
  const running = Math.min(requests, d.maxNumSeqs, Math.floor(d.kvBlocks / blocksPerSequence));
  if (running < 1) return { runningSequences: 0, llmLatencyMs: null };
  const bytesPerStep = d.weightsGib * GIB + running * d.contextTokens * d.kvBytesPerToken;
  const stepMs = (bytesPerStep / (d.bandwidthGBps * 1e9 * BANDWIDTH_EFFICIENCY)) * 1000;
  return { runningSequences: running, llmLatencyMs: (stepMs * requests) / running };
}
