import { isUtf8 } from 'node:buffer';
import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { UserError } from '../../core/errors.js';
import type { CaseSet } from '../../core/program-task.js';
import { parseJson, readFileBytes, readTextFile, readYamlFile } from '../../core/io.js';
import { isStrictlyInside, resolveInside } from '../../core/paths.js';
import { parseWith } from '../../core/schema.js';
import { findBlocks, markerLine } from '../genomes/program/blocks.js';
import { languageFromPath, languageSchema, type Language } from '../genomes/program/index.js';
import { isInsidePath } from '../sandbox/spec.js';
import { runSandboxed } from '../sandbox/index.js';
import {
  failedEvaluation,
  overOutputLimit,
  type EvaluationLimits,
  type EvaluationRecord,
  type Task,
} from '../task.js';

/** ShinkaEvolve's evaluation contract, the default command. */
const SHINKA_COMMAND = 'python3 evaluate.py --program_path {program} --results_dir {results}';
/** A task directory is copied into each evaluation's sandbox: keep it small. */
const MAX_TASK_BYTES = 16 * 1024 * 1024;
const MAX_TASK_FILES = 500;

export const externalTaskSchema = z
  .object({
    description: z
      .string({
        error: 'missing; describe the problem for the LLM (what to optimise, what counts)',
      })
      .min(1, {
        error: 'is empty; describe the problem for the LLM (what to optimise, what counts)',
      })
      .max(100_000),
    /** Path of the initial program, relative to the task directory. */
    initial_program: z
      .string({ error: 'missing; name the program to start from (say initial.py)' })
      .min(1, { error: 'is empty; name the program to start from (say initial.py)' }),
    language: z.string().optional(),
    /** Shell command run in a copy of the task directory; {program} and {results} are replaced. */
    evaluate: z.string().min(1).default(SHINKA_COMMAND),
    /** The same on held-out cases, never shown to the LLM (`evolve holdout`, the end of a run). */
    evaluate_holdout: z.string().min(1).optional(),
  })
  .strict();

/**
 * The files of a task directory (relative path → content: `files` the UTF-8 ones as text,
 * `binaryFiles` the others in base64, so that data files reach the sandbox byte for byte),
 * refusing anything large or odd.
 */
function readTaskFiles(dir: string): Pick<ExternalTaskContent, 'files' | 'binaryFiles'> {
  const files: Record<string, string> = {};
  const binaryFiles: Record<string, string> = {};
  let count = 0;
  let bytes = 0;
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      if (name === 'results' || name.startsWith('.') || name === '__pycache__') continue;
      const path = join(folder, name);
      // A link may name a file of the task (its content is copied); one leading out of the
      // folder would ship that file to every sandbox, and one to a folder could loop.
      const own = lstatSync(path);
      const stat = own.isSymbolicLink() ? linkedTaskFile(dir, path) : own;
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) {
        bytes += stat.size;
        if (bytes > MAX_TASK_BYTES || ++count > MAX_TASK_FILES)
          throw new UserError(
            `the task directory holds more than ${MAX_TASK_FILES} files or ${MAX_TASK_BYTES >> 20} MiB; ` +
              'keep only what the evaluator needs',
            dir,
          );
        const name = relative(dir, path).split(sep).join('/');
        const content = readFileBytes(path);
        if (isUtf8(content)) files[name] = content.toString('utf8');
        else binaryFiles[name] = content.toString('base64');
      }
    }
  };
  walk(dir);
  return { files, binaryFiles };
}

/** What a symbolic link in task directory `dir` leads to, refused unless a file inside it. */
function linkedTaskFile(dir: string, path: string): Stats {
  const refuse = (why: string): never => {
    throw new UserError(
      `${relative(dir, path)} is a symbolic link ${why}; a task directory is copied into each sandbox, so put the file itself there`,
      dir,
    );
  };
  let target = '';
  try {
    target = realpathSync(path);
  } catch {
    refuse('that leads nowhere');
  }
  const stat = statSync(target);
  if (!stat.isFile()) refuse('to a folder');
  if (!isStrictlyInside(realpathSync(dir), target))
    refuse(`to ${target}, outside the task directory`);
  return stat;
}

/** Where a ShinkaEvolve evaluator writes its results, relative to the sandbox. */
const METRICS_FILE = 'results/metrics.json';
const CORRECT_FILE = 'results/correct.json';

/** metrics.json and correct.json as ShinkaEvolve evaluators write them. */
const metricsSchema = z.object({
  // Zod's number is finite: 1e400 (Infinity) fails this check too.
  combined_score: z.number({ error: 'expected combined_score as a finite number' }),
  public: z.record(z.string(), z.unknown()).default({}),
  private: z.record(z.string(), z.unknown()).default({}),
  text_feedback: z.string().default(''),
});
const correctSchema = z.object({
  correct: z.boolean({ error: 'expected correct as true or false' }),
  error: z.string().nullable().default(null),
});

/** Read the evaluator's result files; any problem is the program's failure, told in words. */
function readResults(
  metricsText: string | null | undefined,
  correctText: string | null | undefined,
): Omit<EvaluationRecord, 'stdout' | 'stderr' | 'evalMs'> | string {
  if (metricsText == null) return `the evaluator wrote no ${METRICS_FILE}`;
  let metrics: z.infer<typeof metricsSchema>;
  let correct: z.infer<typeof correctSchema> = { correct: true, error: null };
  try {
    metrics = parseWith(metricsSchema, parseJson(metricsText, METRICS_FILE), METRICS_FILE);
    if (correctText != null)
      correct = parseWith(correctSchema, parseJson(correctText, CORRECT_FILE), CORRECT_FILE);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return `the evaluator's results are malformed: ${error.format()}`;
  }
  return {
    combinedScore: correct.correct ? metrics.combined_score : 0,
    correct: correct.correct,
    public: metrics.public,
    private: metrics.private,
    textFeedback: [metrics.text_feedback, correct.error ?? ''].filter(Boolean).join('\n'),
  };
}

/**
 * A task directory with `evolve.yaml`: an initial program in any language and an evaluation
 * command; ShinkaEvolve's contract (`--program_path P --results_dir D`, then D/metrics.json and
 * D/correct.json) is the default, so existing ShinkaEvolve tasks run unchanged. With `holdout`,
 * the task evaluates with its `evaluate_holdout` command, which it must declare.
 */
export function externalTask(dirArg: string, cases: CaseSet = 'run'): Task {
  const task = externalTasks(dirArg)[cases];
  if (!task)
    throw new UserError(
      'declares no held-out cases: add "evaluate_holdout: COMMAND" (the evaluate command on cases the LLM never sees)',
      join(resolve(dirArg), 'evolve.yaml'),
    );
  return task;
}

const taskFilesSchema = z
  .record(z.string(), z.string())
  .refine((files) => Object.keys(files).every(isInsidePath), {
    message: 'every file must be a relative path inside the task',
  })
  .refine((files) => Object.keys(files).length <= MAX_TASK_FILES, {
    message: `at most ${MAX_TASK_FILES} files`,
  });
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Everything an external task is, read from its directory once: what evaluating with it needs
 * on any machine (the queue ships it to workers that lack the directory). `directory` names it.
 */
export const externalTaskContentSchema = z
  .object({
    directory: z.string().min(1).max(4096),
    description: z.string().min(1).max(100_000),
    language: languageSchema,
    programFile: z.string().refine(isInsidePath, 'must be a relative path inside the task'),
    initialProgram: z.string(),
    /** UTF-8 files as text. */
    files: taskFilesSchema,
    /** The other files, in base64. */
    binaryFiles: taskFilesSchema.refine(
      (files) => Object.values(files).every((content) => BASE64.test(content)),
      { message: 'every binary file must be base64' },
    ),
    evaluate: z.string().min(1),
    evaluateHoldout: z.string().min(1).nullable(),
  })
  .strict();
export type ExternalTaskContent = z.infer<typeof externalTaskContentSchema>;

/** Read a task directory (its `evolve.yaml`, initial program and files), checking each. */
export function readExternalTask(dirArg: string): ExternalTaskContent {
  const dir = resolve(dirArg);
  const specPath = join(dir, 'evolve.yaml');
  const content = readYamlFile(specPath);
  if (content === null)
    throw new UserError(
      'holds nothing; a task names at least its description and initial_program',
      specPath,
    );
  const spec = parseWith(externalTaskSchema, content, specPath);
  // Links resolved: a link out of the folder would send another file to the LLM.
  const initialPath = resolveInside(dir, spec.initial_program, {
    source: specPath,
    field: 'initial_program',
    folderName: 'the task directory',
  });
  const language = (spec.language ?? languageFromPath(initialPath)) as Language | null;
  if (!language)
    throw new UserError(
      `cannot tell the language of ${basename(initialPath)}; add "language: python" (or another)`,
      specPath,
      'language',
    );
  const { files, binaryFiles } = readTaskFiles(dir);
  if (spec.evaluate === SHINKA_COMMAND && !('evaluate.py' in files))
    throw new UserError(
      `the task directory has no evaluate.py, which the default command runs (${SHINKA_COMMAND}); ` +
        'add it, or set "evaluate:" to the command that scores a program',
      specPath,
      'evaluate',
    );
  return {
    directory: dir,
    description: spec.description,
    language,
    programFile: `candidate/${basename(initialPath)}`,
    initialProgram: evolvableProgram(initialPath, language, specPath),
    files,
    binaryFiles,
    evaluate: spec.evaluate,
    evaluateHoldout: spec.evaluate_holdout ?? null,
  };
}

/** The text of the file at `path`; a problem reading it goes to `refuse`. */
function textOf(path: string, refuse: (why: string) => never): string {
  try {
    return readTextFile(path);
  } catch (error) {
    if (error instanceof UserError) refuse(error.message);
    throw error;
  }
}

/**
 * The initial program's text, refused unless evolution can edit it: a file there, UTF-8 text
 * (no NUL byte), with at least one well-formed EVOLVE-BLOCK (a patch may change nothing
 * outside one).
 */
function evolvableProgram(path: string, language: Language, specPath: string): string {
  const refuse = (why: string): never => {
    throw new UserError(`${path} ${why}`, specPath, 'initial_program');
  };
  const code = textOf(path, refuse);
  if (code.trim() === '') refuse('is empty; write the program to start from, with an EVOLVE-BLOCK');
  if (code.includes('\0')) refuse('is not a text file (it holds NUL bytes)');
  const blocks = findBlocks(code, language);
  if (!blocks.ok) refuse(`has invalid EVOLVE-BLOCK markers: ${blocks.reason}`);
  else if (blocks.blocks.length === 0)
    refuse(
      'has no EVOLVE-BLOCK, so no part of it may be evolved; put the code to evolve between the ' +
        `lines "${markerLine('start', language)}" and "${markerLine('end', language)}"`,
    );
  return code;
}

/** The content each external task was made from, for the queue to ship to workers. */
const contentOf = new WeakMap<Task, ExternalTaskContent>();

/** The content `task` was made from when it is an external task, else null. */
export function externalTaskContent(task: Task): ExternalTaskContent | null {
  return contentOf.get(task) ?? null;
}

/**
 * A task directory's task on each of its case sets, from one reading of the directory: on the
 * run's cases (`evaluate`), and on held-out ones when it declares `evaluate_holdout` (else null).
 */
export function externalTasks(dirArg: string): { run: Task; holdout: Task | null } {
  return externalTasksOf(readExternalTask(dirArg));
}

/** An external task's tasks on each of its case sets, from its content. */
export function externalTasksOf(content: ExternalTaskContent): {
  run: Task;
  holdout: Task | null;
} {
  const { programFile } = content;
  const files = sandboxFiles(content);
  const evaluatingWith = (evaluateCommand: string): Task => {
    const task: Task = {
      name: content.directory,
      description: content.description,
      language: content.language,
      programFile,
      initialProgram: content.initialProgram,
      evaluate: (code, limits) =>
        evaluateExternal(evaluateCommand, files, programFile, code, limits),
    };
    contentOf.set(task, content);
    return task;
  };
  return {
    run: evaluatingWith(content.evaluate),
    holdout: content.evaluateHoldout === null ? null : evaluatingWith(content.evaluateHoldout),
  };
}

/** A task's files as the sandbox writes them: text as it is, binary files decoded. */
function sandboxFiles(content: ExternalTaskContent): Record<string, string | Uint8Array> {
  const files: Record<string, string | Uint8Array> = { ...content.files };
  for (const [name, base64] of Object.entries(content.binaryFiles))
    files[name] = Buffer.from(base64, 'base64');
  return files;
}

/**
 * Run `evaluateCommand` in the sandbox on a copy of the task's `files` with `code` as the
 * program, and read what the evaluator wrote in results/.
 */
async function evaluateExternal(
  evaluateCommand: string,
  files: Record<string, string | Uint8Array>,
  programFile: string,
  code: string,
  limits: EvaluationLimits,
): Promise<EvaluationRecord> {
  const command = evaluateCommand
    .replaceAll('{program}', `{dir}/${programFile}`)
    .replaceAll('{results}', '{dir}/results');
  const result = await runSandboxed({
    argv: ['/bin/sh', '-c', `mkdir -p results && ${command}`],
    files: { ...files, [programFile]: code },
    readBack: [METRICS_FILE, CORRECT_FILE],
    timeoutMs: limits.timeoutMs,
    memoryMb: limits.memoryMb,
    maxOutputBytes: limits.maxOutputBytes,
  });
  const logs = { stdout: result.stdout, stderr: result.stderr, evalMs: result.ms };
  if (result.timedOut) return failedEvaluation('the evaluation ran past the time limit', logs);
  const cut = result.truncatedFiles[0];
  if (cut !== undefined)
    return failedEvaluation(
      `the evaluator's results do not fit: ${overOutputLimit(cut, limits)}`,
      logs,
    );
  const read = readResults(result.files[METRICS_FILE], result.files[CORRECT_FILE]);
  if (typeof read === 'string') {
    const tail = result.stderr.trim().split('\n').slice(-6).join('\n');
    return failedEvaluation(tail ? `${read}; stderr:\n${tail}` : read, logs);
  }
  return { ...read, ...logs };
}
