import { existsSync } from 'node:fs';
import { writeFileAtomic } from '../src/core/atomic.js';
import { eplbBenchmark, printEplbBenchmark } from '../src/problems/eplb/benchmark.js';
import { DEFAULT_TRACE, generateTrace } from '../src/problems/eplb/generate.js';
import { parseLoadHistory, readLoadHistory } from '../src/problems/eplb/model.js';
import { ALGOS } from '../src/problems/eplb/solvers/index.js';
import { printBenchmark, runPrismBenchmark } from '../src/problems/prism/benchmark.js';
import { SOLVER_NAMES } from '../src/problems/prism/solvers/index.js';

/** DeepSeek-V3's serving shape: 288 physical slots, 8 expert groups, 4 nodes, 32 GPUs. */
const V3_SHAPE = { replicas: 288, groups: 8, nodes: 4, gpus: 32 };

/** `npm run bench [-- NAME ...]`: each benchmark prints its tables and writes bench/results/NAME.json. */
const BENCHMARKS: Record<string, () => unknown> = {
  prism: () => {
    const report = runPrismBenchmark({
      families: ['seed', 'large', 'tight'],
      solvers: [...SOLVER_NAMES],
      exactTimeLimitMs: Number(process.env.EVOPLACE_BENCH_EXACT_MS ?? 10_000),
    });
    printBenchmark(report);
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
    return { problem: 'eplb', traces: reports };
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
  const report = BENCHMARKS[name]!();
  const path = new URL(`./results/${name}.json`, import.meta.url).pathname;
  writeFileAtomic(path, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`wrote ${path}`);
}
