import { z } from 'zod';
import type { Params, ParamValue } from '../../evolve/genomes/params/index.js';
import { runSandboxed, type SandboxResult } from '../../evolve/sandbox/index.js';
import type { EvaluationContext, Evaluator, Measurement } from './types.js';

/**
 * Runs one shell command per candidate and reads its metrics from stdout. `command` is a
 * template: each `{param}` becomes the candidate's value (see fillShellTemplate). The command
 * runs under the sandbox (src/evolve/sandbox): its whole process tree is killed at the
 * candidate's timeout, its output is bounded, and its environment holds only PATH, LANG,
 * LC_ALL, TZ, `env` and EVOPLACE_SPEC_DIR (no API keys). It starts in the spec's folder;
 * HOME and TMPDIR are a private temporary folder removed afterwards.
 */
export const commandEvaluatorSchema = z
  .object({
    kind: z.literal('command'),
    command: z.string().min(1, 'needs a command to run'),
    /** Extra environment variables for the command. */
    env: z.record(z.string(), z.string()).optional(),
    /** Whether the command may use the network (a benchmark usually calls a service). */
    network: z.boolean().default(true),
    /**
     * Address-space limit in MiB. None by default: CUDA programs reserve far more virtual
     * memory than they use, and any limit would make them fail at start.
     */
    memoryMb: z.number().int().positive().optional(),
  })
  .strict();
export type CommandEvaluatorSettings = z.infer<typeof commandEvaluatorSchema>;

/** Bytes kept of each output stream of a command. */
export const MAX_OUTPUT_BYTES = 1024 * 1024;
/** Characters of a stream's end quoted in an error or kept in the log. */
export const TAIL_CHARS = 2000;
/** Stands for "no limit" where the sandbox needs a number (2^40 MiB: prlimit accepts it). */
const NO_MEMORY_LIMIT_MB = 2 ** 40;

/** The last `TAIL_CHARS` characters of a text, trimmed, marked when cut. */
export function tail(text: string, chars = TAIL_CHARS): string {
  const trimmed = text.trim();
  return trimmed.length <= chars ? trimmed : `…${trimmed.slice(-chars)}`;
}

/** Characters a shell takes literally in a word; any other value is single-quoted. */
const SHELL_SAFE = /^[A-Za-z0-9_.,:/@%+=-]+$/;

function shellWord(value: ParamValue): string {
  const text = String(value);
  return SHELL_SAFE.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Fill a command template for /bin/sh: each `{name}` becomes the parameter's value as one
 * shell word (quoted when it holds spaces or shell syntax, so do not quote placeholders in a
 * template). `${NAME}` is shell syntax and left alone. A placeholder that names no parameter
 * is a mistake in the spec: it throws, naming the placeholder.
 */
export function fillShellTemplate(template: string, params: Params): string {
  const unknown = new Set<string>();
  const filled = template.replace(
    /(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
    (whole, dollar: string, name: string) => {
      if (dollar) return whole;
      if (!Object.hasOwn(params, name)) {
        unknown.add(name);
        return whole;
      }
      return shellWord(params[name]!);
    },
  );
  if (unknown.size > 0) {
    const names = [...unknown].map((name) => `{${name}}`).join(', ');
    const known = Object.keys(params).join(', ') || 'none';
    throw new Error(
      `the template "${template}" names ${names}, which the search space does not define (parameters: ${known})`,
    );
  }
  return filled;
}

/** Metrics and OOM flag a command reported. */
export interface CommandReport {
  metrics: Record<string, number>;
  oom: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What a command reported: the last non-empty stdout line that parses as a JSON object,
 * either `{"metrics": {...}, "oom": true}` or a flat object of numbers (with an optional
 * `oom`). Values that are not numbers are ignored. Null when no line is such an object.
 */
export function readCommandReport(stdout: string): CommandReport | null {
  const lines = stdout.split('\n').map((line) => line.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]!.startsWith('{')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(lines[i]!);
    } catch {
      continue;
    }
    if (!isObject(parsed)) continue;
    const source = isObject(parsed.metrics) ? parsed.metrics : parsed;
    const metrics: Record<string, number> = {};
    for (const [name, value] of Object.entries(source))
      if (name !== 'oom' && typeof value === 'number') metrics[name] = value;
    return { metrics, oom: parsed.oom === true || source.oom === true };
  }
  return null;
}

/** Why a finished run does not count, or null when it ran to a clean exit. */
function runFailure(result: SandboxResult): string | null {
  if (result.timedOut) return `timed out after ${(result.ms / 1000).toFixed(1)} s`;
  if (result.signal) return `was killed by ${result.signal}`;
  if (result.exitCode !== 0) return `exited with code ${result.exitCode}`;
  return null;
}

/** The measurement of one finished run: a failure, or no metrics line, sets `error`. */
function measurementOf(command: string, result: SandboxResult): Measurement {
  const report = readCommandReport(result.stdout);
  let problem = runFailure(result);
  if (problem === null && report === null)
    problem = result.stdoutTruncated
      ? `printed more than ${MAX_OUTPUT_BYTES} bytes, so its last line (the JSON metrics) was lost`
      : 'printed no JSON object line of metrics on stdout';
  const stderr = tail(result.stderr);
  return {
    metrics: report?.metrics ?? {},
    oom: report?.oom === true || result.killedReason === 'memory',
    error: problem && `the command ${problem}${stderr ? `; stderr ends: ${stderr}` : ''}`,
    log: [`$ ${command}`, `stdout: ${tail(result.stdout)}`, `stderr: ${stderr}`].join('\n'),
  };
}

function failed(error: string): Measurement {
  return { metrics: {}, oom: false, error, log: '' };
}

/**
 * The `command` evaluator. `specDir` is the spec's folder, where the command starts. Never
 * throws: a bad placeholder, a timeout, a crash or unreadable output come back as `error`.
 * `context.signal` stops the command (its whole process group), as its timeout does.
 */
export function commandEvaluator(settings: CommandEvaluatorSettings, specDir: string): Evaluator {
  return {
    kind: 'command',
    enforcesDeadline: true,
    async evaluate(params: Params, context: EvaluationContext): Promise<Measurement> {
      if (context.signal?.aborted) return failed('interrupted before the command started');
      let command: string;
      try {
        command = fillShellTemplate(settings.command, params);
      } catch (error) {
        return failed((error as Error).message);
      }
      try {
        const result = await runSandboxed(
          {
            // `cd` first: the sandbox starts programs in their private temporary folder.
            argv: [
              '/bin/sh',
              '-c',
              'cd -- "$1" && exec /bin/sh -c "$2"',
              'evoplace',
              specDir,
              command,
            ],
            env: { ...settings.env, EVOPLACE_SPEC_DIR: specDir },
            network: settings.network,
            // The user's own command, reading their files where they are.
            filesystem: 'host',
            timeoutMs: context.timeoutMs,
            memoryMb: settings.memoryMb ?? NO_MEMORY_LIMIT_MB,
            maxOutputBytes: MAX_OUTPUT_BYTES,
          },
          context.signal,
        );
        return measurementOf(command, result);
      } catch (error) {
        return failed(`the command could not be run: ${(error as Error).message}`);
      }
    },
  };
}
