import { writeFileAtomic } from '../src/core/atomic.js';
import { printBenchmark, runPrismBenchmark } from '../src/problems/prism/benchmark.js';
import { SOLVER_NAMES } from '../src/problems/prism/solvers/index.js';

/** `npm run bench [-- prism]`: each benchmark prints its tables and writes bench/results/NAME.json. */
const BENCHMARKS: Record<string, () => unknown> = {
  prism: () => {
    const report = runPrismBenchmark({
      families: ['seed', 'large'],
      solvers: [...SOLVER_NAMES],
      exactTimeLimitMs: Number(process.env.EVOPLACE_BENCH_EXACT_MS ?? 10_000),
    });
    printBenchmark(report);
    return report;
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
