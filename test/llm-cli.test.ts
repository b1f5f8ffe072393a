import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evoplace } from './cli.js';

const root = mkdtempSync(join(tmpdir(), 'evoplace-llm-'));
const CONFIG = `parameter,value
sequence_length,4096
min_batch_size,32
max_batch_size,64
model_name,llama-8b
num_decoder_layers,32
d_model,8192
d_hidden,22016
layer_weight_memory_gb,3.5
bytes_per_element,2
enable_segment_quantization,true
max_pipeline_stages,8
min_layers_per_stage,5
min_memory_utilization,0.5
max_hourly_cost,999.0
`;
const POOL = 'gpu_type,count,memory_gb,dollar_per_hour\nA100,8,80,4.09625\nV100,12,32,3.06\n';

function configDir(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries({
    'config.csv': CONFIG,
    'gpu_pool.csv': POOL,
    ...files,
  }))
    writeFileSync(join(dir, file), content);
  return dir;
}

/** `evoplace llm solve` on a config directory with a generated 300/100 network. */
const solveWithGeneratedNetwork = (dir: string, ...args: string[]) =>
  evoplace(['llm', 'solve', '--config-dir', dir, '--generate-network', '300,100', ...args]);

/** Part of the seed's price list: AWS's A100 instances (40 and 80 GB) and its only A10-like GPU. */
const PRICE_LIST = `Cloud Provider,Instance Name,GPU Model,GPU Count,GPU Memory per GPU,Price per Hour USD
AWS,p4de.24xlarge,NVIDIA A100,8,80 GB HBM2e,$40.96
AWS,p4d.24xlarge,NVIDIA A100,8,40 GB HBM2e,$32.77
AWS,g5.xlarge,NVIDIA A10G,1,24 GB GDDR6,$1.01
Lambda,A10,NVIDIA A10,1,24 GB GDDR6,$0.75 per GPU
`;

interface SolveJson {
  batches: {
    batchSize: number;
    best: {
      throughputTokensPerSec: number;
      usdPerHour: number;
      usdPerMillionTokens: number;
      stages: { gpuType: string; tp: number }[];
    } | null;
    frontier: { throughputTokensPerSec: number; usdPerHour: number }[];
  }[];
  bestBatchSize: number | null;
}

describe('evoplace llm solve (CLI)', () => {
  it('--json prints the documented shape with the cheapest placement per batch', () => {
    const dir = configDir('ok', {});
    const run = solveWithGeneratedNetwork(dir, '--json', '--perf-model', 'seed');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      batches: {
        batchSize: number;
        best: Record<string, unknown> & { stages: Record<string, unknown>[] };
        frontier: Record<string, unknown>[];
      }[];
      bestBatchSize: number;
      ms: number;
    };
    expect(Object.keys(out)).toEqual(['batches', 'bestBatchSize', 'ms']);
    expect(out.batches.map((b) => b.batchSize)).toEqual([32, 64]);
    expect(Object.keys(out.batches[0]!.best)).toEqual([
      'throughputTokensPerSec',
      'usdPerHour',
      'usdPerMillionTokens',
      'stages',
    ]);
    expect(Object.keys(out.batches[0]!.best.stages[0]!)).toEqual([
      'gpuType',
      'tp',
      'gpuIds',
      'startLayer',
      'endLayer',
    ]);
    expect(Object.keys(out.batches[0]!.frontier[0]!)).toEqual([
      'throughputTokensPerSec',
      'usdPerHour',
    ]);
    expect((out.batches[0]!.best.usdPerMillionTokens as number).toFixed(6)).toBe('1.117735');
    expect(out.bestBatchSize).toBe(32);
  });

  it('reads a network whose every line ends in a comma, as the other CSV files', () => {
    const pool = 'gpu_type,count,memory_gb,dollar_per_hour\nA100,2,80,4\n';
    const matrix = ',gpu_0,gpu_1\ngpu_0,10000,300\ngpu_1,300,10000\n';
    const solve = (name: string, network: string) =>
      evoplace([
        'llm',
        'solve',
        '--config-dir',
        configDir(name, { 'gpu_pool.csv': pool, 'network_bandwidth.csv': network }),
        '--perf-model',
        'seed',
        '--json',
      ]);
    const plain = solve('network-plain', matrix);
    const commas = solve('network-commas', matrix.replace(/\n/g, ',\n'));
    expect(commas.stderr).toBe('');
    expect(commas.code).toBe(0);
    const best = (run: { stdout: string }) =>
      (JSON.parse(run.stdout) as SolveJson).batches.map((b) => b.best);
    expect(best(commas)).toEqual(best(plain));
  });

  it.each([
    [
      'mis-sized matrix',
      { 'network_bandwidth.csv': ',gpu_0,gpu_1\ngpu_0,10000,300\ngpu_1,300,10000\n' },
      [],
      /the matrix is 2 × 2 but the pool has 20 GPUs; fix the file or use --generate-network INTRA,INTER/,
    ],
    [
      'negative count',
      { 'gpu_pool.csv': 'gpu_type,count,memory_gb,dollar_per_hour\nA100,-8,80,4\n' },
      ['--generate-network', '300,100'],
      /gpu_pool\.csv: line 2, column 2 \(count\): count must be an integer from 1 to 4096 .*, got "-8"/,
    ],
    [
      'empty config number (not 0)',
      { 'config.csv': CONFIG.replace('max_hourly_cost,999.0', 'max_hourly_cost,') },
      ['--generate-network', '300,100'],
      /config\.csv: line 15, max_hourly_cost: max_hourly_cost is empty; give a value or remove the row for its default/,
    ],
    [
      'empty required config number',
      { 'config.csv': CONFIG.replace('d_model,8192', 'd_model,') },
      ['--generate-network', '300,100'],
      /config\.csv: line 7, d_model: d_model is empty; give a value$/m,
    ],
    [
      'hexadecimal config number',
      { 'config.csv': CONFIG.replace('d_model,8192', 'd_model,0x2000') },
      ['--generate-network', '300,100'],
      /config\.csv: line \d+, d_model: expected d_model as a number .*, got "0x2000"/,
    ],
    [
      'config parameter given twice',
      { 'config.csv': `${CONFIG}max_hourly_cost,5\n` },
      ['--generate-network', '300,100'],
      /config\.csv: line 16: parameter "max_hourly_cost" is given twice \(lines 15 and 16\)/,
    ],
    [
      'min batch above max batch',
      { 'config.csv': CONFIG.replace('min_batch_size,32', 'min_batch_size,128') },
      ['--generate-network', '300,100'],
      /config\.csv: line \d+, min_batch_size: min_batch_size \(128\) must be <= max_batch_size \(64\)/,
    ],
    [
      'empty pool count',
      { 'gpu_pool.csv': 'gpu_type,count,memory_gb,dollar_per_hour\nA100,,80,4\n' },
      ['--generate-network', '300,100'],
      /gpu_pool\.csv: line 2, column 2 \(count\): count is empty/,
    ],
    [
      'GPU type listed twice',
      { 'gpu_pool.csv': 'gpu_type,count,memory_gb,dollar_per_hour\nA100,8,80,4\nA100,4,80,4\n' },
      ['--generate-network', '300,100'],
      /gpu_pool\.csv: line 3, column 1 \(gpu_type\): GPU type "A100" is listed twice \(lines 2 and 3\)/,
    ],
    [
      'negative pool price, with a price list present',
      {
        'gpu_pool.csv': 'gpu_type,count,memory_gb,dollar_per_hour\nA100,8,80,-4\n',
        'cloud_instances_specs.csv': PRICE_LIST,
      },
      ['--generate-network', '300,100'],
      /gpu_pool\.csv: line 2, column 4 \(dollar_per_hour\): dollar_per_hour must be a number from 0 to 1000000, got "-4"/,
    ],
    [
      'pool price that is not a number, with a price list present',
      {
        'gpu_pool.csv': 'gpu_type,count,memory_gb,dollar_per_hour\nA100,8,80,4\nA10,12,24,free\n',
        'cloud_instances_specs.csv': PRICE_LIST,
      },
      ['--generate-network', '300,100'],
      /gpu_pool\.csv: line 3, column 4 \(dollar_per_hour\): dollar_per_hour must be a number from 0 to 1000000, got "free"/,
    ],
    [
      'pool price that is not a number, without a price list',
      { 'gpu_pool.csv': 'gpu_type,count,memory_gb,dollar_per_hour\nA100,8,80,free\n' },
      ['--generate-network', '300,100'],
      /gpu_pool\.csv: line 2, column 4 \(dollar_per_hour\): dollar_per_hour must be a number from 0 to 1000000, got "free"/,
    ],
    [
      'negative list price',
      {
        'gpu_pool.csv': 'gpu_type,count,memory_gb\nA100,8,80\n',
        'cloud_instances_specs.csv': PRICE_LIST.replace('$40.96', '$-40.96'),
      },
      ['--generate-network', '300,100'],
      /cloud_instances_specs\.csv: line 2, column 6 \(Price per Hour USD\): "\$-40\.96" is not a price/,
    ],
    [
      'list price in exponent notation',
      {
        'gpu_pool.csv': 'gpu_type,count,memory_gb\nA100,8,80\n',
        'cloud_instances_specs.csv': PRICE_LIST.replace('$32.77', '$1e308'),
      },
      ['--generate-network', '300,100'],
      /cloud_instances_specs\.csv: line 3, column 6 \(Price per Hour USD\): "\$1e308" is not a price/,
    ],
    [
      'GPU count of one type above the limit',
      { 'gpu_pool.csv': 'gpu_type,count,memory_gb,dollar_per_hour\nA100,50000,80,4\n' },
      ['--generate-network', '300,100'],
      /gpu_pool\.csv: line 2, column 2 \(count\): count must be an integer from 1 to 4096 \(the most GPUs a pool may hold\), got "50000"/,
    ],
    [
      'GPU count in exponent notation above the limit',
      { 'gpu_pool.csv': 'gpu_type,count,memory_gb,dollar_per_hour\nA100,1e8,80,4\n' },
      ['--generate-network', '300,100'],
      /gpu_pool\.csv: line 2, column 2 \(count\): count must be an integer from 1 to 4096 .*, got "1e8"/,
    ],
    [
      'more decoder layers than the limit',
      {
        'config.csv': CONFIG.replace(
          'num_decoder_layers,32',
          'num_decoder_layers,10000000',
        ).replace('layer_weight_memory_gb,3.5', 'layer_weight_memory_gb,0.00000001'),
      },
      ['--generate-network', '300,100'],
      /config\.csv: line \d+, num_decoder_layers: num_decoder_layers must be <= 512, got 10000000/,
    ],
    [
      'more pipeline stages than the limit',
      { 'config.csv': CONFIG.replace('max_pipeline_stages,8', 'max_pipeline_stages,1000000000') },
      ['--generate-network', '300,100'],
      /config\.csv: line \d+, max_pipeline_stages: max_pipeline_stages must be <= 512, got 1000000000/,
    ],
    [
      'pool above the limit in all',
      {
        'gpu_pool.csv':
          'gpu_type,count,memory_gb,dollar_per_hour\nA100,4000,80,4\nV100,4000,32,3\n',
      },
      ['--generate-network', '300,100'],
      /gpu_pool\.csv: the pool has 8000 GPUs, more than the 4096 allowed in all/,
    ],
    [
      'missing price',
      { 'gpu_pool.csv': 'gpu_type,count,memory_gb\nA100,8,80\n' },
      ['--generate-network', '300,100'],
      /no price for GPU type "A100"/,
    ],
    [
      'bad config value',
      { 'config.csv': CONFIG.replace('d_model,8192', 'd_model,lots') },
      ['--generate-network', '300,100'],
      /config\.csv: line \d+, d_model: expected d_model as a number/,
    ],
    [
      'unknown GPU type',
      { 'gpu_pool.csv': 'gpu_type,count,memory_gb,dollar_per_hour\nB300,8,288,9\n' },
      ['--generate-network', '300,100'],
      /gpu_pool\.csv: line 2: unknown GPU type "B300"; known: H200, H100 SXM, H100 PCIe/,
    ],
    [
      'model too big',
      { 'gpu_pool.csv': 'gpu_type,count,memory_gb,dollar_per_hour\nT4,2,16,0.4\n' },
      ['--generate-network', '300,100'],
      /config\.csv: the model's weights need 112 GB .* but the whole pool has 32 GB/,
    ],
    [
      'non-square matrix',
      {
        'gpu_pool.csv': 'gpu_type,count,memory_gb,dollar_per_hour\nA100,2,80,4\n',
        'network_bandwidth.csv': ',gpu_0,gpu_1\ngpu_0,10000,300\ngpu_1,300\n',
      },
      [],
      /network_bandwidth\.csv: line 3 has 2 cells, the header has 3/,
    ],
    [
      'ambiguous GPU type',
      { 'gpu_pool.csv': 'gpu_type,count,memory_gb,dollar_per_hour\nA100,8,64,4\n' },
      ['--generate-network', '300,100'],
      /gpu_pool\.csv: line 2: GPU type "A100" with 64 GB is ambiguous; name one of "A100 80GB", "A100 40GB"/,
    ],
    [
      'no exact price (A10 is not an A100)',
      {
        'gpu_pool.csv': 'gpu_type,count,memory_gb\nA100,8,80\nA10,12,24\n',
        'cloud_instances_specs.csv': PRICE_LIST,
      },
      ['--generate-network', '300,100'],
      /gpu_pool\.csv: no price for GPU type "A10" \(24 GB, line 3\): \S+cloud_instances_specs\.csv has no AWS offer for it .*; Lambda offers A10\. To price it: .*--perf-model seed/,
    ],
    [
      'price list without the provider named (matched exactly, as the seed does)',
      { 'cloud_instances_specs.csv': PRICE_LIST },
      ['--generate-network', '300,100', '--cloud-provider', 'aws'],
      /--cloud-provider: unknown provider "aws"; \S+cloud_instances_specs\.csv has AWS, Lambda; did you mean "AWS"\?$/m,
    ],
    [
      'pool with a header and no rows',
      { 'gpu_pool.csv': 'gpu_type,count,memory_gb,dollar_per_hour\n' },
      ['--generate-network', '300,100'],
      /gpu_pool\.csv: lists no GPUs \(only its header\)/,
    ],
    [
      'unknown performance model',
      {},
      ['--generate-network', '300,100', '--perf-model', 'magic'],
      /--perf-model: expected one of seed, roofline, got "magic"/,
    ],
    [
      'kv heads without query heads',
      { 'config.csv': `${CONFIG}num_kv_heads,8\n` },
      ['--generate-network', '300,100'],
      /config\.csv: line \d+, num_kv_heads: num_kv_heads needs num_attention_heads/,
    ],
    [
      'batch size 0',
      {},
      ['--generate-network', '300,100', '--batch-sizes', '0,32'],
      /--batch-sizes: expected a list of comma-separated positive integers/,
    ],
    [
      // Else batch 32 is solved twice and its rows written twice to batch_sweep_results.csv.
      'batch size given twice',
      {},
      ['--generate-network', '300,100', '--batch-sizes', '32,64,32'],
      /--batch-sizes: batch size 32 is given twice in "32,64,32"; give each size once/,
    ],
    [
      // Under seed the memory names no catalogue GPU, so nothing else would refuse it.
      'memory in MB',
      { 'gpu_pool.csv': 'gpu_type,count,memory_gb,dollar_per_hour\nA100,8,81920,4\n' },
      ['--generate-network', '300,100', '--perf-model', 'seed'],
      /gpu_pool\.csv: line 2, column 3 \(memory_gb\): 81920 GB is more than any GPU holds \(at most 2048 GB\); is it in MB\? \(81920 MB = 80 GB\)/,
    ],
    [
      'element size in bits',
      { 'config.csv': CONFIG.replace('bytes_per_element,2', 'bytes_per_element,16') },
      ['--generate-network', '300,100', '--perf-model', 'seed'],
      /config\.csv: line \d+, bytes_per_element: bytes_per_element 16 is more than any number format takes \(fp64 takes 8\); is it in bits\? \(16 bits = 2 bytes\)/,
    ],
  ])('%s: one clear line, exit 2', (name, files, args, message) => {
    const dir = configDir(name.replace(/ /g, '-'), files);
    const run = evoplace(['llm', 'solve', '--config-dir', dir, ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('evoplace llm solve --perf-model', () => {
  it('prices by the seed’s substring lookup under seed, exactly under roofline (the default)', () => {
    const dir = configDir('prices', {
      'gpu_pool.csv': 'gpu_type,count,memory_gb\nA100,8,80\nA10,12,24\n',
      'cloud_instances_specs.csv': PRICE_LIST,
    });
    const seed = solveWithGeneratedNetwork(dir, '--json', '--perf-model', 'seed');
    expect(seed.code).toBe(0);
    // The seed keys prices by GPU model string; the 40 GB row overwrites the 80 GB one: 32.77 / 8.
    const best = (JSON.parse(seed.stdout) as SolveJson).batches[0]!.best!;
    expect(best.stages.map((s) => s.gpuType)).toEqual(['A100']);
    expect(best.usdPerHour).toBeCloseTo(best.stages[0]!.tp * 4.09625, 9);
    const lambda = solveWithGeneratedNetwork(
      dir,
      '--json',
      '--cloud-provider',
      'Lambda',
      '--batch-sizes',
      '32',
    );
    // Lambda lists the A10 (0.75 per GPU) but no A100 with 80 GB.
    expect(lambda.code).toBe(2);
    expect(lambda.stderr).toMatch(
      /no price for GPU type "A100" \(80 GB, line 2\): \S+ has no Lambda offer for it .*; AWS offers A100\./,
    );
  });

  it('finds the price list where the seed keeps it, beside configs/, or where --prices says', () => {
    // The seed's layout: llm/cloud_instances_specs.csv and llm/configs/NAME/.
    const seedRoot = join(root, 'seed-layout');
    const dir = configDir(join('seed-layout', 'configs', 'unpriced'), {
      'gpu_pool.csv': 'gpu_type,count,memory_gb\nA100,8,80\n',
    });
    const elsewhere = join(root, 'prices-elsewhere.csv');
    writeFileSync(elsewhere, PRICE_LIST.replace('$40.96', '$81.92'));
    const usdPerHour = (run: ReturnType<typeof evoplace>): number => {
      expect(run.code).toBe(0);
      return (JSON.parse(run.stdout) as SolveJson).batches[0]!.best!.usdPerHour;
    };
    expect(solveWithGeneratedNetwork(dir, '--json').code).toBe(2);
    writeFileSync(join(seedRoot, 'cloud_instances_specs.csv'), PRICE_LIST);
    const beside = usdPerHour(solveWithGeneratedNetwork(dir, '--json'));
    const named = usdPerHour(solveWithGeneratedNetwork(dir, '--json', '--prices', elsewhere));
    // Roofline prices exactly: the 80 GB A100 at 40.96 / 8 per GPU-hour, then twice that.
    expect(beside / (40.96 / 8)).toBeCloseTo(Math.round(beside / (40.96 / 8)), 9);
    expect(named).toBeCloseTo(2 * beside, 9);
  });

  it('roofline: a frontier per batch, larger batches cheaper per token', () => {
    const dir = configDir('roofline', {
      'config.csv': `${CONFIG.replace('max_batch_size,64', 'max_batch_size,1024')}num_attention_heads,64
num_kv_heads,8
input_length,1024
output_length,256
`,
    });
    const run = solveWithGeneratedNetwork(dir, '--json');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as SolveJson;
    expect(out.batches.map((b) => b.batchSize)).toEqual([32, 64, 128, 256, 512, 1024]);
    const best = out.batches.map((b) => b.best);
    // Larger batches share each weight read among more sequences: cheaper per token.
    expect(best[1]!.usdPerMillionTokens).toBeLessThan(best[0]!.usdPerMillionTokens);
    for (const b of out.batches) {
      for (let k = 1; k < b.frontier.length; k++) {
        expect(b.frontier[k]!.usdPerHour).toBeGreaterThan(b.frontier[k - 1]!.usdPerHour);
        expect(b.frontier[k]!.throughputTokensPerSec).toBeGreaterThan(
          b.frontier[k - 1]!.throughputTokensPerSec,
        );
      }
    }
  });

  it('roofline: no feasible placement is an answer when the batch’s KV cache fits nowhere', () => {
    // 1024 sequences of 8448 tokens: 33 GiB of KV cache per layer, 1 056 GiB for 32 layers.
    const dir = configDir('roofline-long', {
      'config.csv': `${CONFIG}num_attention_heads,64\nnum_kv_heads,8\ninput_length,8192\noutput_length,256\n`,
    });
    const run = solveWithGeneratedNetwork(dir, '--json', '--batch-sizes', '32,1024');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as SolveJson;
    expect(out.batches[0]!.best).not.toBeNull();
    expect(out.batches[1]!.best).toBeNull();
    expect(out.bestBatchSize).toBe(32);
  });
});

describe('evoplace llm solve: no placement at any batch size', () => {
  it('says why when the settings alone forbid every stage (roofline fills at most 0.9)', () => {
    const dir = configDir('roofline-full', {
      'config.csv': CONFIG.replace('min_memory_utilization,0.5', 'min_memory_utilization,0.95'),
    });
    const run = solveWithGeneratedNetwork(dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      "no feasible placement at any batch size: the roofline model fills at most 0.9 of a GPU's memory, less than config.csv's min_memory_utilization 0.95",
    );
    const seed = solveWithGeneratedNetwork(dir, '--perf-model', 'seed');
    expect(seed.stderr).not.toContain('the roofline model fills');
  });
});

describe('evoplace llm solve --out', () => {
  it('writes the seed’s files (CRLF), the frontier as CSV and SVG; the best row matches the seed’s', () => {
    const dir = configDir('out', {});
    const out = join(root, 'results');
    const run = solveWithGeneratedNetwork(dir, '--out', out, '--perf-model', 'seed');
    expect(run.code).toBe(0);
    const summary = readFileSync(join(out, 'batch_32', 'solution_summary.csv'), 'utf8');
    expect(summary.split('\r\n')[1]).toBe(
      '32,8.19,2035.99,8.19,1.117735,0.14,1.12,1,A100,2,2,32,YES,SUCCESS',
    );
    expect(readFileSync(join(out, 'batch_sweep_results.csv'), 'utf8').split('\r\n')[0]).toMatch(
      /^batch_size,budget_tested,/,
    );
    const solution = JSON.parse(
      readFileSync(join(out, 'batch_64', 'solution_with_tp.json'), 'utf8'),
    ) as {
      solution: {
        gpu_assignments: {
          gpu_type: string;
          tp_degree: number;
          start_layer: number;
          end_layer: number;
        }[];
      };
    };
    expect(solution.solution.gpu_assignments).toMatchObject([
      { gpu_type: 'A100', tp_degree: 2, start_layer: 1, end_layer: 32 },
    ]);
    expect(readFileSync(join(out, 'frontier.csv'), 'utf8')).toMatch(
      /^batch_size,throughput_tokens_per_sec,/,
    );
    const svg = readFileSync(join(out, 'frontier.svg'), 'utf8');
    expect(svg).toMatch(/^<svg[^>]*>[\s\S]*<\/svg>\n$/);
    // Scales to the box it is shown in (the dashboard's, a phone's), and says what it shows.
    expect(svg).toMatch(/^<svg[^>]* role="img" aria-label="[^"]+" viewBox="0 0 \d+ \d+"/);
  });

  it('into a folder used before: this run’s output and the user’s files, no earlier batch', () => {
    const dir = configDir('out-again', {
      'config.csv': CONFIG.replace('max_batch_size,64', 'max_batch_size,128'),
    });
    const out = join(root, 'results-again');
    const solve = (...args: string[]) =>
      solveWithGeneratedNetwork(dir, '--out', out, '--perf-model', 'seed', ...args);
    expect(solve().code).toBe(0);
    expect(
      readdirSync(out)
        .filter((f) => f.startsWith('batch_'))
        .sort(),
    ).toEqual(['batch_128', 'batch_32', 'batch_64', 'batch_sweep_results.csv']);
    writeFileSync(join(out, 'notes.md'), 'mine');
    writeFileSync(join(out, 'batch_128', 'notes.md'), 'mine');
    const again = solve('--batch-sizes', '32');
    expect(again.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'batch_128',
      'batch_32',
      'batch_sweep_results.csv',
      'frontier.csv',
      'frontier.svg',
      'notes.md',
    ]);
    // The user's file keeps its folder, and the warning says why that folder is still there.
    expect(readdirSync(join(out, 'batch_128'))).toEqual(['notes.md']);
    expect(again.stderr).toMatch(
      /warning: \S+batch_128 is an earlier run's batch folder: evoplace's files in it are removed, but it holds files evoplace did not write/,
    );
    expect(readFileSync(join(out, 'frontier.csv'), 'utf8')).not.toMatch(/^(64|128),/m);
    // A run refused for its input changes nothing in the folder.
    const refused = solve('--batch-sizes', '64', '--prices', join(dir, 'missing.csv'));
    expect(refused.code).toBe(2);
    expect(readdirSync(out)).toContain('batch_32');
    expect(readdirSync(out)).not.toContain('batch_64');
  });
});

describe('llm solve: the seed percentile link filter', () => {
  /** A matrix over the pool's 20 GPUs, not structured by type: 300 + 10·(i + j) GB/s. */
  const unstructured = (): string => {
    const ids = Array.from({ length: 20 }, (_, i) => i);
    const rows = ids.map(
      (i) => `gpu_${i},${ids.map((j) => (i === j ? 10000 : 300 + 10 * (i + j))).join(',')}`,
    );
    return `,${ids.map((i) => `gpu_${i}`).join(',')}\n${rows.join('\n')}\n`;
  };

  it('warns when it would drop links of a network not structured by type, else stays quiet', () => {
    const quiet = solveWithGeneratedNetwork(configDir('filter-none', {}), '--perf-model', 'seed');
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toMatch(/percentile/);
    const strict = configDir('filter-strict', {
      'config.csv': `${CONFIG}network_bandwidth_percentile_threshold,0.95\n`,
    });
    const applied = solveWithGeneratedNetwork(strict, '--perf-model', 'seed');
    expect(applied.code).toBe(0);
    expect(applied.stderr).not.toMatch(/percentile/);
    const measured = configDir('filter-measured', {
      'config.csv': `${CONFIG}network_bandwidth_percentile_threshold,0.95\n`,
      'network_bandwidth.csv': unstructured(),
    });
    const warned = evoplace(['llm', 'solve', '--config-dir', measured, '--perf-model', 'seed']);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(
      /warning: network_bandwidth_percentile_threshold 0\.95 puts \d+ of 380 GPU-to-GPU links below [\d.]+ GB\/s;.*only to networks whose bandwidths depend on the GPU types alone/,
    );
  });

  it('on a generated network, a high percentile forbids joining an A100 stage to a V100 one', () => {
    // 10 GB layers: at batch 64 the cheapest placement per token adds a V100 stage to the A100s.
    const heavy = (percentile: string) =>
      `${CONFIG.replace('layer_weight_memory_gb,3.5', 'layer_weight_memory_gb,10')
        .replace('enable_segment_quantization,true', 'enable_segment_quantization,false')
        .replace(
          'min_layers_per_stage,5',
          'min_layers_per_stage,1',
        )}network_bandwidth_percentile_threshold,${percentile}\n`;
    const solve = (name: string, percentile: string): SolveJson => {
      const dir = configDir(name, { 'config.csv': heavy(percentile) });
      const run = solveWithGeneratedNetwork(dir, '--json');
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout) as SolveJson;
    };
    const types = (out: SolveJson) =>
      out.batches.map((b) => b.best && [...new Set(b.best.stages.map((s) => s.gpuType))]);
    // 0.1: 100 GB/s between the types passes; 0.95: only the 300 GB/s links within a type do.
    expect(types(solve('filter-mixed', '0.1'))).toEqual([['A100'], ['A100', 'V100']]);
    expect(types(solve('filter-apart', '0.95'))).toEqual([['A100'], null]);
  });
});

describe('evoplace llm validate', () => {
  // The seed solver's published answer for configs/medium at batch 128 on the generated 400/200
  // network (its solution_with_tp.json, config abridged): A100 TP 4, all 32 layers.
  const published = {
    config: { model_name: 'llama-8b', num_decoder_layers: 32 },
    solution: {
      objective_value: 12688.56839937155,
      batch_size: 128,
      throughput_tokens_per_sec: 3806.5705198114647,
      cost_per_hour: 16.385,
      cost_per_token: 1.1956665101043012e-6,
      gpu_assignments: [
        {
          gpu_type: 'A100',
          gpu_ids: [0, 1, 2, 3],
          global_gpu_ids: [0, 1, 2, 3],
          tp_degree: 4,
          start_layer: 1,
          end_layer: 32,
          partition_id: 12,
          segment_size: 32,
          throughput: 12688.568399371547,
        },
      ],
      meets_cost_threshold: false,
      tp_configuration: { A100: 8, L40: 8, A10: 8, V100: 8 },
      network_connections: [],
      solve_status: 2,
      num_pipeline_stages: 1,
    },
  };
  const dir = configDir('validate', {});
  let files = 0;
  const validate = (solution: unknown, ...args: string[]) => {
    const file = join(root, `solution-${++files}.json`);
    writeFileSync(file, JSON.stringify(solution));
    return evoplace([
      'llm',
      'validate',
      '--config-dir',
      dir,
      '--generate-network',
      '400,200',
      '--perf-model',
      'seed',
      '--solution',
      file,
      ...args,
    ]);
  };
  const assignment = published.solution.gpu_assignments[0]!;

  it('accepts the seed’s published answer', () => {
    const run = validate(published, '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ valid: true, batchSize: 128, errors: [] });
  });

  it.each([
    [
      'an overstated throughput',
      { throughput_tokens_per_sec: 4000 },
      /solution\.throughput_tokens_per_sec: 4000; these stages run at 3806\.57/,
    ],
    [
      'a price other than the pool’s',
      { cost_per_hour: 1 },
      /solution\.cost_per_hour: 1; the pool's prices give 16\.385/,
    ],
    [
      'a cost per token other than its price and throughput give',
      { cost_per_token: 2e-6 },
      /solution\.cost_per_token: 0\.000002; solution\.cost_per_hour and solution\.throughput_tokens_per_sec give 0\.00000119566651/,
    ],
    [
      'a TP degree other than its GPUs',
      { gpu_assignments: [{ ...assignment, tp_degree: 8 }] },
      /solution\.gpu_assignments\[0\]\.tp_degree: 8, but global_gpu_ids names 4 GPUs/,
    ],
    [
      'a GPU type not in the pool',
      { gpu_assignments: [{ ...assignment, gpu_type: 'H100' }] },
      /solution\.gpu_assignments\[0\]\.gpu_type: "H100" is not a GPU type of the pool/,
    ],
    [
      'a GPU twice',
      { gpu_assignments: [{ ...assignment, global_gpu_ids: [0, 1, 2, 2] }] },
      /solution\.gpu_assignments\[0\]\.global_gpu_ids: GPU 2 is used twice/,
    ],
    [
      'gpu_ids that name other GPUs than global_gpu_ids',
      { gpu_assignments: [{ ...assignment, gpu_ids: [4, 5, 6, 7] }] },
      // A100s are the pool's first type here: their ids within the type are the global ones.
      /solution\.gpu_assignments\[0\]\.gpu_ids: \[4,5,6,7\] are A100 GPUs \[4,5,6,7\] of the pool, but global_gpu_ids says \[0,1,2,3\]/,
    ],
    [
      'layers left out',
      { gpu_assignments: [{ ...assignment, end_layer: 30 }] },
      /solution\.gpu_assignments\[0\]\.end_layer: 30; the stages must end at the model's last layer, 32 \(num_decoder_layers\)/,
    ],
  ])('rejects %s with exit 3, saying why in the file’s names', (_, change, message) => {
    const run = validate({ ...published, solution: { ...published.solution, ...change } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^invalid \(\d+\): \S+solution-\d+\.json\n/);
    expect(run.stderr).toMatch(message);
    // Never the names of evoplace's own placement (usdPerHour, stages[0], gpuIds, ...).
    expect(run.stderr).not.toMatch(/usdPer|throughputTokens|stages\[|gpuIds|gpuType|Layer\b/);
  });

  it('accepts what llm solve --out wrote, under either performance model', () => {
    for (const model of ['seed', 'roofline']) {
      const out = join(root, `validate-out-${model}`);
      const common = ['--config-dir', dir, '--generate-network', '400,200', '--perf-model', model];
      expect(evoplace(['llm', 'solve', ...common, '--out', out]).code).toBe(0);
      const file = join(out, 'batch_64', 'solution_with_tp.json');
      const run = evoplace(['llm', 'validate', ...common, '--solution', file]);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/^valid: batch 64/);
    }
  });

  it('refuses a file that is not a solution: exit 2 naming the field', () => {
    const run = validate({ solution: { batch_size: 128 } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/solution-\w+\.json: solution\.throughput_tokens_per_sec/);
    // What solve --out writes for a batch size without a placement.
    const none = validate({ solution: null });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/solution-\w+\.json: solution: holds no placement/);
  });

  it('refuses a misspelt field, naming it and the field it misspells', () => {
    const { tp_degree: tp, ...rest } = assignment;
    const run = validate({
      ...published,
      solution: { ...published.solution, gpu_assignments: [{ ...rest, tp_degre: tp }] },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /solution-\w+\.json: solution\.gpu_assignments\[0\]\.tp_degre: unknown field; did you mean "tp_degree"\?/,
    );
    // A misspelt optional field would otherwise leave gpu_ids unchecked.
    const optional = validate({
      ...published,
      solution: {
        ...published.solution,
        gpu_assignments: [{ ...assignment, gpu_id: [4, 5, 6, 7] }],
      },
    });
    expect(optional.code).toBe(2);
    expect(optional.stderr).toMatch(
      /gpu_assignments\[0\]\.gpu_id: unknown field; did you mean "gpu_ids"\?/,
    );
  });
});
