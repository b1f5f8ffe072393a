import { z } from 'zod';

const httpUrl = z.string().regex(/^https?:\/\/\S+$/, 'must be an http:// or https:// URL');
const atLeastOne = (max: number) => z.number().int().min(1).max(max);

function isRegExp(source: string): boolean {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
}

/** How to tell that a service is up: GET `url` until it answers 200. */
const healthSchema = z
  .object({
    /** e.g. `http://127.0.0.1:8000/health` (vLLM's). */
    url: httpUrl,
    /** How long a (re)started service may take to answer 200: loading a model takes minutes. */
    timeoutSec: z.number().positive().max(86_400).default(300),
    /** Pause between two polls. */
    intervalMs: z.number().int().min(10).max(60_000).default(1000),
  })
  .strict();

/** Where and how to send requests to an OpenAI-compatible server. */
const endpointFields = {
  /** The server's base URL (`http://host:8000`; a trailing `/v1` is accepted too). */
  url: httpUrl,
  /** The `model` field of each request. */
  model: z.string().min(1),
  /** How many requests in all. */
  requests: atLeastOne(1_000_000),
  /** How many are in flight at once. */
  concurrency: atLeastOne(10_000),
  /** Name of an environment variable holding the server's API key (sent as a bearer token). */
  apiKeyEnv: z.string().min(1).optional(),
};

/** Chat load: POST {url}/v1/chat/completions with one user message. */
const chatSchema = z
  .object({
    ...endpointFields,
    prompt: z.string().min(1).default('Write one sentence about GPUs.'),
    maxTokens: atLeastOne(1_000_000).default(64),
    requests: endpointFields.requests.default(20),
    concurrency: endpointFields.concurrency.default(4),
  })
  .strict();

/** Transcription load: multipart POST {url}/v1/audio/transcriptions of one audio file. */
const transcriptionSchema = z
  .object({
    ...endpointFields,
    /** The audio sent with every request; relative to the spec's folder. */
    audioFile: z.string().min(1),
    requests: endpointFields.requests.default(10),
    concurrency: endpointFields.concurrency.default(2),
  })
  .strict();

/** How to run nvidia-smi, and which GPU the services share. */
const nvidiaSmiSchema = z
  .object({
    /** A shell command line: `nvidia-smi`, a path, or `ssh gpu-box nvidia-smi`; the query is appended. */
    command: z.string().min(1).default('nvidia-smi'),
    gpuIndex: z.number().int().min(0).max(1023).default(0),
    /** Pause between two probes while the load runs. */
    sampleIntervalMs: z.number().int().min(100).max(600_000).default(1000),
  })
  .strict();

/** Case-insensitive regular expressions of an out-of-memory event in a service or kernel log. */
export const DEFAULT_OOM_PATTERNS = [
  'CUDA out of memory',
  'CUDA error: out of memory',
  'torch\\.OutOfMemoryError',
  'OutOfMemoryError',
  'oom-kill',
  'Out of memory: Killed process',
];

/**
 * The `live` evaluator's settings. Per candidate: `apply` puts it in place, the service must
 * answer `health`, then the `chat` and `transcription` loads run together while `nvidiaSmi`
 * probes the GPU, and finally `restore` brings the baseline back (always, also after a failure
 * or a timeout) and the baseline must answer `health` again.
 *
 * `apply` and `restore` are shell templates (command.ts's fillShellTemplate: `{param}` becomes
 * the candidate's value, quoted for the shell). They run one after another with /bin/sh in the
 * spec's folder, each in its own process group, with our environment plus `env` and
 * EVOPLACE_SPEC_DIR: they are the operator's own commands, not untrusted code. A command that
 * starts a service in the background should redirect the service's output (`> svc.log 2>&1 &`).
 */
export const liveEvaluatorSchema = z
  .object({
    kind: z.literal('live'),
    apply: z.array(z.string().min(1)).min(1, 'needs at least one command that applies a candidate'),
    restore: z
      .array(z.string().min(1))
      .min(1, 'needs at least one command that restores the baseline'),
    env: z.record(z.string(), z.string()).optional(),
    health: healthSchema,
    /** Bound on restoring: the restore commands and the baseline's health check together. */
    restoreTimeoutSec: z.number().positive().max(86_400).default(600),
    chat: chatSchema.optional(),
    transcription: transcriptionSchema.optional(),
    nvidiaSmi: nvidiaSmiSchema.optional(),
    /** Service logs (relative to the spec's folder) scanned for OOM; only new lines count. */
    logFiles: z.array(z.string().min(1)).default([]),
    /** Replaces DEFAULT_OOM_PATTERNS: regular expressions, matched case-insensitively. */
    oomPatterns: z
      .array(z.string().min(1).refine(isRegExp, 'must be a valid regular expression'))
      .min(1)
      .default(DEFAULT_OOM_PATTERNS),
    /** Also scan the kernel log (/dev/kmsg) for OOM kills; skipped when it is not readable. */
    kernelLog: z.boolean().default(true),
  })
  .strict();
export type LiveEvaluatorSettings = z.infer<typeof liveEvaluatorSchema>;
export type ChatSettings = NonNullable<LiveEvaluatorSettings['chat']>;
export type TranscriptionSettings = NonNullable<LiveEvaluatorSettings['transcription']>;
