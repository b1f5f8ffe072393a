import { z } from 'zod';
import { runSandboxed, type SandboxResult } from '../sandbox/index.js';
import { overOutputLimit, type EvaluationLimits } from '../task.js';

/**
 * Transpile a TypeScript candidate to an ES module (types are erased, not checked: the
 * evaluator judges behaviour). Syntax errors come back as a reason for the LLM. The compiler
 * is loaded on first use: it takes most of a second, which no other command should pay.
 */
export async function candidateToJavaScript(
  code: string,
): Promise<{ ok: true; js: string } | { ok: false; reason: string }> {
  const { default: ts } = await import('typescript');
  const out = ts.transpileModule(code, {
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length === 0) return { ok: true, js: out.outputText };
  const first = errors[0]!;
  const where =
    first.file && first.start !== undefined
      ? `line ${first.file.getLineAndCharacterOfPosition(first.start).line + 1}: `
      : '';
  return {
    ok: false,
    reason: `the program does not compile: ${where}${ts.flattenDiagnosticMessageText(first.messageText, ' ')}`,
  };
}

/**
 * Runs inside the sandbox: imports the candidate, calls its exported function on every input
 * and writes the outputs. The parent validates them; nothing the candidate says is trusted.
 */
const HARNESS = `import { readFileSync, writeFileSync } from 'node:fs';
const { entry, inputs } = JSON.parse(readFileSync('input.json', 'utf8'));
const mod = await import('./candidate.mjs');
if (typeof mod[entry] !== 'function') throw new Error('the program must export a function named ' + entry);
const outputs = [];
const ms = [];
for (const input of inputs) {
  const start = performance.now();
  const output = await mod[entry](...input);
  ms.push(performance.now() - start);
  outputs.push(output === undefined ? null : output);
}
writeFileSync('output.json', JSON.stringify({ outputs, ms }, (key, value) =>
  ArrayBuffer.isView(value) ? Array.from(value) : value));
`;

export type CandidateRun =
  | { ok: true; outputs: unknown[]; ms: number[]; sandbox: SandboxResult }
  | { ok: false; reason: string; sandbox: SandboxResult | null };

/** Why a sandboxed run produced no outputs, in words for the LLM. */
function failureReason(result: SandboxResult): string {
  if (result.timedOut) return 'the program ran past the time limit and was killed';
  if (result.killedReason === 'memory') return 'the program exceeded the memory limit';
  if (result.killedReason === 'processes')
    return 'the program started more processes or threads than allowed';
  const tail = result.stderr.trim().split('\n').slice(-6).join('\n');
  return `the program crashed (exit ${result.exitCode ?? result.signal})${tail ? `:\n${tail}` : ''}`;
}

/**
 * Call `entry(...args)` of a TypeScript/JavaScript candidate on each argument list, in a
 * sandboxed Node process under the permission model.
 */
export async function runNodeCandidate(
  code: string,
  language: 'typescript' | 'javascript',
  entry: string,
  inputs: unknown[][],
  limits: EvaluationLimits,
): Promise<CandidateRun> {
  const compiled =
    language === 'typescript' ? await candidateToJavaScript(code) : { ok: true as const, js: code };
  if (!compiled.ok) return { ok: false, reason: compiled.reason, sandbox: null };
  const sandbox = await runSandboxed({
    argv: [process.execPath, 'harness.mjs'],
    files: {
      'harness.mjs': HARNESS,
      'candidate.mjs': compiled.js,
      'input.json': JSON.stringify({ entry, inputs }),
    },
    readBack: ['output.json'],
    timeoutMs: limits.timeoutMs,
    memoryMb: limits.memoryMb,
    maxOutputBytes: limits.maxOutputBytes,
    node: {},
  });
  const output = sandbox.files['output.json'];
  if (sandbox.exitCode !== 0 || output == null)
    return { ok: false, reason: failureReason(sandbox), sandbox };
  if (sandbox.truncatedFiles.includes('output.json'))
    return {
      ok: false,
      reason: `the program's answers do not fit: ${overOutputLimit('output.json', limits)}`,
      sandbox,
    };
  let json: unknown;
  try {
    json = JSON.parse(output);
  } catch {
    return { ok: false, reason: 'the program wrote an unreadable output.json', sandbox };
  }
  // The harness runs in the candidate's process, so the candidate can rewrite what it wrote.
  const parsed = harnessOutputSchema(inputs.length).safeParse(json);
  if (!parsed.success)
    return {
      ok: false,
      reason: `the program's output.json is not what the harness writes (${parsed.error.issues[0]?.message ?? 'malformed'}); the program must not write it`,
      sandbox,
    };
  return { ok: true, outputs: parsed.data.outputs, ms: parsed.data.ms, sandbox };
}

/** What the harness writes for `calls` calls: an answer and a time in ms for each. */
function harnessOutputSchema(calls: number) {
  return z
    .object({
      outputs: z.array(z.unknown()).length(calls, `expected ${calls} answers`),
      ms: z.array(z.number().finite().nonnegative()).length(calls, `expected ${calls} timings`),
    })
    .strict();
}
