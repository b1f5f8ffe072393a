import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatTable } from '../src/core/table.js';
import { writeFileAtomic } from '../src/core/atomic.js';
import { isUserError } from '../src/core/errors.js';
import {
  eplbBenchmark,
  generatedSuite,
  printEplbBenchmark,
  printGeneratedSuite,
  type SuiteTrace,
} from '../src/problems/eplb/benchmark.js';
import {
  DEFAULT_TRACE,
  generateTrace,
  SKEW_AND_CHURN_VARIANTS,
} from '../src/problems/eplb/generate.js';
import { parseLoadHistory, readLoadHistory } from '../src/problems/eplb/model.js';
import { ALGOS } from '../src/problems/eplb/solvers/index.js';
import {
  engineThroughput,
  printEvolveBenchmark,
  sandboxOverhead,
  taskEvaluations,
} from '../src/evolve/benchmark.js';
import { benchLlm } from '../src/problems/llm/benchmark.js';
import { DEEP_POOL, syntheticPool } from '../src/problems/llm/generate.js';
import { readConfigDir } from '../src/problems/llm/model.js';
import { PERF_MODEL_NAMES, PERF_MODELS } from '../src/problems/llm/perf/index.js';
import {
  printColocateBenchmark,
  runColocateBenchmark,
} from '../src/problems/colocate/benchmark.js';
import { printBenchmark, runPrismBenchmark } from '../src/problems/prism/benchmark.js';
import { prepareSolvers, SOLVER_NAMES } from '../src/problems/prism/solvers/index.js';
import { startMockLlmServer } from '../test/support/mock-llm-server.js';
import { prismScript } from '../test/support/prism-script.js';

/** DeepSeek-V3's serving shape: 288 physical slots, 8 expert groups, 4 nodes, 32 GPUs. */
const V3_SHAPE = { replicas: 288, groups: 8, nodes: 4, gpus: 32 };

/** Generated eplb traces whose mean balance the benchmark reports: 24 seeds of the defaults. */
const SUITE_SEEDS: SuiteTrace[] = Array.from({ length: 24 }, (_, i) => ({
  label: `seed ${i + 1}`,
  settings: { seed: i + 1 },
}));
/** The five skew and churn variants of the solvers' test, at DeepSeek-V3's full shape. */
const SUITE_VARIANTS: SuiteTrace[] = SKEW_AND_CHURN_VARIANTS.map((settings) => ({
  label: `seed ${settings.seed}, group skew ${settings.groupSkew}, churn ${settings.churnSigma}${settings.skewMin ? `, skew ${settings.skewMin}–${settings.skewMax}` : ''}`,
  settings,
}));

/** `npm run bench [-- NAME ...]`: each benchmark prints its tables and writes bench/results/NAME.json. */
const BENCHMARKS: Record<string, () => unknown> = {
  prism: async () => {
    await prepareSolvers(SOLVER_NAMES);
    const report = runPrismBenchmark({
      families: ['seed', 'large', 'tight'],
      solvers: [...SOLVER_NAMES],
      exactTimeLimitMs: Number(process.env.EVOPLACE_BENCH_EXACT_MS ?? 10_000),
    });
    printBenchmark(report);
    return report;
  },
  colocate: () => {
    const report = runColocateBenchmark(1000, 1);
    printColocateBenchmark(report);
    return report;
  },
  eplb: () => {
    // A generated trace of DeepSeek-V3's shape always; a recorded one too when named.
    const traces: Record<string, ReturnType<typeof parseLoadHistory>> = {
      'generated (seed 1, 58 × 256, 600 steps)': parseLoadHistory(
        generateTrace(DEFAULT_TRACE),
        'generated',
        100,
      ),
    };
    const file = process.env.EVOPLACE_EPLB_TRACE;
    if (file && existsSync(file)) traces[file] = readLoadHistory(file, 100);
    const reports = Object.entries(traces).map(([trace, windows]) => {
      const report = eplbBenchmark(windows, V3_SHAPE, ALGOS);
      console.error(`\neplb / ${trace} / replicas 288, groups 8, nodes 4, GPUs 32`);
      printEplbBenchmark(report);
      return { trace, ...report };
    });
    const suites = {
      seeds: generatedSuite(SUITE_SEEDS, V3_SHAPE),
      skewAndChurn: generatedSuite(SUITE_VARIANTS, V3_SHAPE),
    };
    console.error(
      '\neplb / per-GPU balancedness on the next window, generated traces (seeds 1–24)',
    );
    printGeneratedSuite(suites.seeds);
    console.error('\neplb / the same, five traces of other skew and churn (full shape)');
    printGeneratedSuite(suites.skewAndChurn);
    return { problem: 'eplb', traces: reports, generatedSuites: suites };
  },
  evolve: async () => {
    // The engine's LLM is the tests' local server, answering at once: the engine is measured.
    const server = await startMockLlmServer(prismScript());
    try {
      const report = {
        sandbox: await sandboxOverhead(20),
        tasks: await taskEvaluations(5),
        engine: await engineThroughput(server.baseUrl, 20, [
          [1, 1],
          [4, 4],
        ]),
      };
      printEvolveBenchmark(report);
      return report;
    } finally {
      await server.close();
    }
  },
  llm: () => {
    // The synthetic pools always (1 024 GPUs; 4 096 GPUs with a deep model), under both
    // performance models; the seed's configs when EVOPLACE_LLM_CONFIGS names their folder
    // (medium with its stored network; large and hal with a generated 400/200 one), under each
    // model that can read them (roofline needs real prices for every GPU type). Pools without
    // prices take the AWS ones of the seed's price list, cloud_instances_specs.csv beside the
    // configs (see findPriceList).
    const batches = [32, 64, 128, 256];
    const rows = PERF_MODEL_NAMES.flatMap((model) => [
      ...benchLlm(
        'synthetic 8 types × 128, 80 layers',
        syntheticPool(),
        batches,
        PERF_MODELS[model],
      ),
      // Seconds a solve: timed once after the warm-up.
      ...benchLlm(
        'synthetic 4 types × 1 024, 200 layers, 64 stages',
        syntheticPool(DEEP_POOL),
        batches,
        PERF_MODELS[model],
        1,
      ),
    ]);
    const dir = process.env.EVOPLACE_LLM_CONFIGS;
    if (dir && existsSync(dir)) {
      const configs: [string, [number, number] | undefined][] = [
        ['medium', undefined],
        ['large', [400, 200]],
        ['hal', [400, 200]],
      ];
      for (const [name, network] of configs) {
        for (const model of PERF_MODEL_NAMES) {
          const perfModel = PERF_MODELS[model];
          const label = network ? `${name} (${network.join('/')})` : name;
          try {
            const problem = readConfigDir(join(dir, name), {
              perfModel,
              cloudProvider: 'AWS',
              ...(network ? { generateNetwork: network } : {}),
            });
            rows.push(...benchLlm(label, problem, batches, perfModel));
          } catch (error) {
            if (!isUserError(error)) throw error;
            console.error(`llm: ${label} skipped under ${model}: ${error.format()}`);
          }
        }
      }
    }
    console.error(
      formatTable(
        ['pool', 'model', 'GPUs', 'batch', 'frontier points', '$/M tokens', 'median ms'],
        rows.map((r) => [
          r.name,
          r.perfModel,
          String(r.gpus),
          String(r.batchSize),
          String(r.frontierPoints),
          r.usdPerMillionTokens?.toFixed(6) ?? '-',
          r.medianMs.toFixed(2),
        ]),
      ),
    );
    return { problem: 'llm', rows };
  },
};

const names = process.argv.slice(2).filter((a) => a !== '--');
const unknown = names.filter((n) => !(n in BENCHMARKS));
if (unknown.length) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}; available: ${Object.keys(BENCHMARKS).join(', ')}`,
  );
  process.exit(2);
}
for (const name of names.length ? names : Object.keys(BENCHMARKS)) {
  const report = await BENCHMARKS[name]!();
  const path = new URL(`./results/${name}.json`, import.meta.url).pathname;
  writeFileAtomic(path, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`wrote ${path}`);
}
