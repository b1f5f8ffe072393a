import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { loadExperiment } from '../load.js';
import { experimentSpecSchema } from '../spec.js';
import { colocateEvaluator, colocateEvaluatorSchema } from './colocate-model.js';
import { makeEvaluator } from './index.js';
import { valuesToTry } from './values.js';

const BASE = {
  gpu: 'A10G',
  vllm: { model: 'Llama-3.1-8B-FP8', gpuMemoryUtilization: 0.5, maxModelLen: 4096 },
  whisper: { size: 'base' },
  load: { llmContextTokens: 2048 },
};

/** A spec with `search_space` and `evaluator` as given. */
function spec(searchSpace: Record<string, object>, evaluator: Record<string, unknown>) {
  return experimentSpecSchema.parse({
    name: 'check',
    search_space: searchSpace,
    evaluator,
    metrics: { capacity: { direction: 'up', weight: 1, range: [0, 8] } },
  });
}

/** The one-line message (`file: field: what`) of the UserError that making the evaluator throws. */
function refusal(searchSpace: Record<string, object>, evaluator: object): string {
  return refusalOf(spec(searchSpace, { ...evaluator }));
}

function refusalOf(checked: ReturnType<typeof spec>): string {
  try {
    makeEvaluator(checked, 'spec.yaml', '/tmp');
  } catch (error) {
    if (error instanceof UserError) return error.format();
    throw error;
  }
  throw new Error('expected a refusal');
}

const colocate = (parameters: Record<string, string>, base: object = BASE) => ({
  kind: 'colocate-model',
  base,
  parameters,
});
const mem = { type: 'choice', values: [0.4, 0.5] } as const;

describe('makeEvaluator checks the search space against a colocate-model evaluator', () => {
  it('accepts the built-in spec', () => {
    const { spec: builtIn, path, dir } = loadExperiment('gpu-colocation');
    expect(makeEvaluator(builtIn, path, dir).kind).toBe('colocate-model');
  });

  it('refuses an invalid base', () => {
    expect(
      refusal({ m: mem }, colocate({ m: 'vllm.gpuMemoryUtilization' }, { ...BASE, gpu: 'H999' })),
    ).toMatch(/^spec\.yaml: evaluator\.base\.gpu: expected a GPU name/);
  });

  it('refuses a value the evaluator does not accept, naming the parameter', () => {
    const sizes = { type: 'choice', values: ['tiny', 'huge'] } as const;
    expect(refusal({ w: sizes }, colocate({ w: 'whisper.size' }))).toMatch(
      /^spec\.yaml: search_space\.w: the value "huge" is refused at whisper\.size.*expected one of tiny/,
    );
    const share = { type: 'real', min: 0.5, max: 1.5 } as const;
    expect(refusal({ m: share }, colocate({ m: 'vllm.gpuMemoryUtilization' }))).toMatch(
      /search_space\.m: the value 1\.5 is refused .*gpuMemoryUtilization must be in \(0, 1\]/,
    );
    // Both ends are integers; a value between them is not, and maxModelLen takes integers only.
    const length = { type: 'real', min: 2048, max: 8192 } as const;
    expect(refusal({ n: length }, colocate({ n: 'vllm.maxModelLen' }))).toMatch(
      /search_space\.n: the value [\d.]+ is refused .*must be an integer/,
    );
    // A value the safety bounds exclude is never evaluated, so it is not held against the spec.
    const safe = {
      type: 'choice',
      values: ['tiny', 'huge'],
      safety: { allowed: ['tiny'] },
    } as const;
    expect(makeEvaluator(spec({ w: safe }, colocate({ w: 'whisper.size' })), 's', '/').kind).toBe(
      'colocate-model',
    );
  });

  it('refuses a mapping to a field the colocate input does not have', () => {
    expect(refusal({ w: mem }, colocate({ w: 'whisper.bogus' }))).toMatch(
      /^spec\.yaml: evaluator\.parameters\.w: "whisper\.bogus" is not a field of the colocate input, so "w" would change nothing; fields: .*whisper\.size/,
    );
    expect(refusal({ m: mem }, colocate({ m: 'gpu.memGib' }))).toMatch(
      /evaluator\.parameters\.m: "gpu\.memGib" goes through gpu, which evaluator\.base sets to "A10G", not to an object/,
    );
  });

  it('accepts a mapping to a field the base leaves at its default', () => {
    const seqs = { type: 'int', min: 8, max: 64 } as const;
    expect(
      makeEvaluator(spec({ s: seqs }, colocate({ s: 'vllm.maxNumSeqs' })), 's', '/').kind,
    ).toBe('colocate-model');
  });

  it('refuses a parameter mapped nowhere, a mapping of no parameter, and two on one field', () => {
    expect(refusal({ m: mem, x: mem }, colocate({ m: 'vllm.gpuMemoryUtilization' }))).toMatch(
      /evaluator\.parameters: "x" is a parameter of search_space but is mapped to no field/,
    );
    expect(
      refusal({ m: mem }, colocate({ m: 'vllm.gpuMemoryUtilization', y: 'whisper.size' })),
    ).toMatch(
      /evaluator\.parameters\.y: maps "y", which the search space does not define \(parameters: m\)/,
    );
    expect(
      refusal(
        { m: mem, n: mem },
        colocate({ m: 'vllm.gpuMemoryUtilization', n: 'vllm.gpuMemoryUtilization' }),
      ),
    ).toMatch(/evaluator\.parameters\.n: "vllm\.gpuMemoryUtilization" is also where "m" goes/);
  });

  it('disqualifies, rather than throws on, a combination of values the model refuses', async () => {
    const evaluator = colocateEvaluator(
      colocateEvaluatorSchema.parse(colocate({ n: 'vllm.maxModelLen' })),
      'spec.yaml',
    );
    const m = await evaluator.evaluate({ n: 1024 }, { timeoutMs: 1000 });
    expect(m.error).toMatch(
      /refuses this configuration: .*llmContextTokens must be <= vllm\.maxModelLen/,
    );
  });
});

describe('makeEvaluator checks the other evaluators', () => {
  it('prism-solver: every parameter is a knob, with values it takes', () => {
    const solver = { kind: 'prism-solver' };
    expect(makeEvaluator(loadExperiment('tune-prism').spec, 's', '/').kind).toBe('prism-solver');
    expect(refusal({ kick: { type: 'int', min: 1, max: 9 } }, solver)).toMatch(
      /^spec\.yaml: search_space\.kick: "kick" is not a knob of the prism-solver evaluator, so it would change nothing; its parameters are kicks, patience, kick_strength, starts/,
    );
    expect(refusal({ starts: { type: 'choice', values: ['fast', 'slow'] } }, solver)).toMatch(
      /search_space\.starts: the value "slow" is not one the knob takes: expected one of "fast,greedy"/,
    );
    expect(refusal({ kick_strength: { type: 'int', min: 0, max: 3 } }, solver)).toMatch(
      /search_space\.kick_strength: the value 0 .* an integer >= 1/,
    );
  });

  it('command and live: every placeholder names a parameter', () => {
    const x = { type: 'int', min: 0, max: 3 } as const;
    expect(refusal({ x }, { kind: 'command', command: 'run {x} {y}' })).toMatch(
      /^spec\.yaml: evaluator\.command: the template "run \{x\} \{y\}" names \{y\}, which the search space does not define/,
    );
    const live = {
      kind: 'live',
      apply: ['restart --x {x}'],
      restore: ['restart --x 1', 'echo {z}'],
      health: { url: 'http://127.0.0.1:1/health' },
    };
    expect(refusal({ x }, live)).toMatch(/evaluator\.restore\[1\]: .*names \{z\}/);
    expect(
      makeEvaluator(spec({ x }, { kind: 'command', command: 'run {x} ${HOME}' }), 's', '/').kind,
    ).toBe('command');
  });

  it('command: a metric named "oom" (the out-of-memory flag, never a metric) is refused', () => {
    const oom = experimentSpecSchema.parse({
      ...spec({ x: { type: 'int', min: 0, max: 3 } }, { kind: 'command', command: 'run {x}' }),
      metrics: { oom: { direction: 'down', weight: 1, range: [0, 1] } },
    });
    expect(refusalOf(oom)).toMatch(
      /^spec\.yaml: metrics\.oom: a command's "oom" says whether it ran out/,
    );
  });
});

describe('makeEvaluator names the field of a mistake in the evaluator settings', () => {
  const x = { type: 'int', min: 0, max: 3 } as const;
  const live = {
    kind: 'live',
    apply: ['restart --x {x}'],
    restore: ['restart --x 1'],
    health: { url: 'http://127.0.0.1:1/health' },
  };

  it('from the top of the spec, so that the error can carry its line', () => {
    expect(refusal({ x }, { ...live, health: { url: 'localhost:8000' } })).toMatch(
      /^spec\.yaml: evaluator\.health\.url: must be an http/,
    );
    expect(refusal({ x }, { ...live, apply: [''] })).toMatch(
      /^spec\.yaml: evaluator\.apply\[0\]: /,
    );
  });

  it('live: a metric its settings cannot report, with the one it seems to misspell', () => {
    const chat = { url: 'http://127.0.0.1:1', model: 'm' };
    const withMetric = (metric: string, settings: object) =>
      experimentSpecSchema.parse({
        name: 'check',
        search_space: { x },
        evaluator: settings,
        metrics: { [metric]: { direction: 'down', weight: 1, range: [0, 1000] } },
      });
    const refused = (metric: string, settings: object): string => {
      try {
        makeEvaluator(withMetric(metric, settings), 'spec.yaml', '/tmp');
      } catch (error) {
        if (error instanceof UserError) return error.format();
        throw error;
      }
      throw new Error('expected a refusal');
    };
    expect(refused('chatP50ms', { ...live, chat })).toMatch(
      /^spec\.yaml: metrics\.chatP50ms: the live evaluator does not report "chatP50ms", so every candidate would fail; did you mean "chatP50Ms"\? It reports healthyAfterMs, chatErrors, chatP50Ms/,
    );
    // A load or GPU probe the settings leave out reports nothing.
    expect(refused('transcriptionP50Ms', { ...live, chat })).toMatch(
      /it reports healthyAfterMs, chat/,
    );
    expect(refused('gpuUtilPercent', live)).toMatch(/it reports healthyAfterMs$/);
    const all = {
      ...live,
      chat,
      nvidiaSmi: {},
      // Any small regular file will do as the audio clip: this one.
      transcription: { ...chat, audioFile: fileURLToPath(import.meta.url) },
    };
    for (const metric of ['chatTokensPerSec', 'transcriptionP95Ms', 'gpuMemoryPercent'])
      expect(makeEvaluator(withMetric(metric, all), 'spec.yaml', '/tmp').kind).toBe('live');
  });
});

describe('valuesToTry', () => {
  it('takes the safe choices, and the ends of a range narrowed by its safety bounds', () => {
    expect(valuesToTry({ type: 'choice', values: [1, 2, 3], safety: { max: 2 } })).toEqual([1, 2]);
    expect(valuesToTry({ type: 'int', min: 0, max: 10, safety: { min: 2 } })).toEqual([2, 10]);
    expect(valuesToTry({ type: 'int', min: 4, max: 4 })).toEqual([4]);
    const real = valuesToTry({ type: 'real', min: 1, max: 2 });
    expect(real.slice(0, 2)).toEqual([1, 2]);
    expect(Number.isInteger(real[2])).toBe(false);
  });
});

describe('evaluators that know their metrics', () => {
  it.each(['gpu-colocation', 'tune-prism'])(
    '%s: every metric an evaluation reports is in the list a spec is checked against',
    async (name) => {
      const { spec: loaded, path, dir } = loadExperiment(name);
      const evaluator = makeEvaluator(loaded, path, dir);
      const params = Object.fromEntries(
        Object.entries(loaded.search_space).map(([param, p]) => [param, valuesToTry(p)[0]!]),
      );
      const { metrics } = await evaluator.evaluate(params, { timeoutMs: 60_000 });
      expect(Object.keys(metrics).length).toBeGreaterThan(0);
      for (const metric of Object.keys(metrics)) expect(evaluator.reports).toContain(metric);
    },
    60_000,
  );
});
