import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUserError, type UserError } from '../../core/errors.js';
import { parseCsv } from '../../core/io.js';
import { MAX_LAYERS, MAX_POOL_GPUS, parseConfig, readConfigDir } from './model.js';
import { ROOFLINE_MODEL } from './perf/roofline.js';
import { SEED_MODEL } from './perf/seed.js';

const CONFIG = `parameter,value
sequence_length,4096
min_batch_size,32
max_batch_size,32
num_decoder_layers,32
d_model,8192
d_hidden,22016
layer_weight_memory_gb,3.5
bytes_per_element,2
max_pipeline_stages,8
`;
const HEADER =
  'Cloud Provider,Instance Name,GPU Model,GPU Count,GPU Memory per GPU,Price per Hour USD';

/** A folder holding the price list `list` (when given) and a config directory `configs/pool`. */
function layout(list: string | null, ownList: string | null): string {
  const root = mkdtempSync(join(tmpdir(), 'evoplace-llm-model-'));
  const dir = join(root, 'configs', 'pool');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.csv'), CONFIG);
  writeFileSync(join(dir, 'gpu_pool.csv'), 'gpu_type,count,memory_gb\nA100,8,80\n');
  if (list) writeFileSync(join(root, 'cloud_instances_specs.csv'), list);
  if (ownList) writeFileSync(join(dir, 'cloud_instances_specs.csv'), ownList);
  return root;
}

describe('readConfigDir: prices for a pool without dollar_per_hour', () => {
  const shared = `${HEADER}\nAWS,p4d.24xlarge,NVIDIA A100,8,80 GB HBM2e,$32.00\n`;
  const own = `${HEADER}\nAWS,p4d.24xlarge,NVIDIA A100,8,80 GB HBM2e,$16.00\n`;
  const read = (root: string, withFile: boolean) =>
    readConfigDir(join(root, 'configs', 'pool'), {
      perfModel: SEED_MODEL,
      generateNetwork: [400, 200],
      ...(withFile ? { cloudInstancesFile: join(root, 'cloud_instances_specs.csv') } : {}),
    });

  it('come from the list two folders up, as the seed lays out its data', () => {
    expect(read(layout(shared, null), false).types[0]!.usdPerHour).toBe(4);
  });

  it('come from the directory’s own list before one above it, and from a named one first', () => {
    expect(read(layout(shared, own), false).types[0]!.usdPerHour).toBe(2);
    expect(read(layout(shared, own), true).types[0]!.usdPerHour).toBe(4);
  });

  it('are missing, with a message naming --prices, when no list is anywhere', () => {
    expect(() => read(layout(null, null), false)).toThrow(
      /no cloud_instances_specs.csv in the config folder or the two above it.*--prices FILE/,
    );
  });
});

/** The one line a UserError thrown by `f` prints: file, place and message. */
function failure(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    if (isUserError(error)) return error.format();
    throw error;
  }
  return 'no error';
}

describe('readConfigDir: pool prices and limits', () => {
  const list = `${HEADER}\nAWS,p4d.24xlarge,NVIDIA A100,8,80 GB HBM2e,$32.00\n`;
  const withPool = (pool: string, priceList: string | null): string => {
    const root = layout(priceList, null);
    writeFileSync(join(root, 'configs', 'pool', 'gpu_pool.csv'), pool);
    return root;
  };
  const read = (root: string) =>
    readConfigDir(join(root, 'configs', 'pool'), {
      perfModel: SEED_MODEL,
      generateNetwork: [400, 200],
    });

  it('price a row with an empty dollar_per_hour cell from the list, as the seed does', () => {
    const root = withPool(
      'gpu_type,count,memory_gb,dollar_per_hour\nA100,8,80,\nV100,4,32,3\n',
      list,
    );
    expect(read(root).types.map((t) => t.usdPerHour)).toEqual([4, 3]);
  });

  it('keep a row’s own price, 0 included, and read no list the pool does not need', () => {
    const broken = `${HEADER}\nAWS,p4d.24xlarge,NVIDIA A100,8,80 GB HBM2e,$-1\n`;
    const root = withPool('gpu_type,count,memory_gb,dollar_per_hour\nA100,8,80,0\n', broken);
    expect(read(root).types[0]!.usdPerHour).toBe(0);
  });

  it('check a list named with --prices even when the pool does not need it', () => {
    const broken = `${HEADER}\nAWS,p4d.24xlarge,NVIDIA A100,8,80 GB HBM2e,$-1\n`;
    const root = withPool('gpu_type,count,memory_gb,dollar_per_hour\nA100,8,80,4\n', broken);
    const named = (file: string) => () =>
      readConfigDir(join(root, 'configs', 'pool'), {
        perfModel: SEED_MODEL,
        generateNetwork: [400, 200],
        cloudInstancesFile: join(root, file),
      });
    expect(failure(named('cloud_instances_specs.csv'))).toMatch(
      /cloud_instances_specs\.csv: line 2, column 6 \(Price per Hour USD\): "\$-1" is not a price/,
    );
    expect(failure(named('missing.csv'))).toMatch(/missing\.csv: does not exist/);
  });

  it.each([
    ['-4', /line 2, column 4 \(dollar_per_hour\): dollar_per_hour must be a number from 0/],
    ['free', /line 2, column 4 \(dollar_per_hour\): .*got "free"/],
    ['1e7', /line 2, column 4 \(dollar_per_hour\): .*to 1000000, got "1e7"/],
    ['0x10', /line 2, column 4 \(dollar_per_hour\): .*got "0x10"/],
  ])('refuse an own price of %s although the list has one', (price, message) => {
    const root = withPool(`gpu_type,count,memory_gb,dollar_per_hour\nA100,8,80,${price}\n`, list);
    expect(failure(() => read(root))).toMatch(message);
  });

  it.each([
    ['A100,,80,4', /line 2, column 2 \(count\): count is empty/],
    ['A100,8.5,80,4', /line 2, column 2 \(count\): count must be an integer from 1 to 4096/],
    ['A100,4097,80,4', /line 2, column 2 \(count\): count must be an integer from 1 to 4096/],
    ['A100,8,,4', /line 2, column 3 \(memory_gb\): memory_gb is empty/],
    ['A100,8,0x50,4', /line 2, column 3 \(memory_gb\): memory_gb must be a number > 0, got "0x50"/],
    [',8,80,4', /line 2, column 1 \(gpu_type\): gpu_type is empty/],
  ])('refuse the pool row %s naming its cell', (row, message) => {
    const root = withPool(`gpu_type,count,memory_gb,dollar_per_hour\n${row}\n`, list);
    expect(failure(() => read(root))).toMatch(message);
  });

  it(`accept ${MAX_POOL_GPUS} GPUs in all, and refuse one more`, () => {
    const pool = (v100: number) =>
      `gpu_type,count,memory_gb,dollar_per_hour\nA100,${MAX_POOL_GPUS / 2},80,4\nV100,${v100},32,3\n`;
    expect(read(withPool(pool(MAX_POOL_GPUS / 2), null)).gpuCount).toBe(MAX_POOL_GPUS);
    expect(() => read(withPool(pool(MAX_POOL_GPUS / 2 + 1), null))).toThrow(
      `the pool has ${MAX_POOL_GPUS + 1} GPUs, more than the ${MAX_POOL_GPUS} allowed in all`,
    );
  });
});

describe('readConfigDir: a stored network', () => {
  /** The problem of two A100s linked by `matrix` (rows of cells after the GPU's name). */
  const read = (matrix: string[][]) => {
    const root = layout(null, null);
    const dir = join(root, 'configs', 'pool');
    writeFileSync(
      join(dir, 'gpu_pool.csv'),
      'gpu_type,count,memory_gb,dollar_per_hour\nA100,2,80,4\n',
    );
    const rows = matrix.map((cells, i) => `gpu_${i},${cells.join(',')}`);
    writeFileSync(join(dir, 'network_bandwidth.csv'), [',gpu_0,gpu_1', ...rows, ''].join('\n'));
    return () => readConfigDir(dir, { perfModel: SEED_MODEL });
  };

  it('accepts 0 on the diagonal (a GPU to itself, never read), as measured matrices hold it', () => {
    expect([
      ...read([
        ['0', '300'],
        ['250', '0'],
      ])().bandwidthGbps,
    ]).toEqual([0, 300, 250, 0]);
  });

  it.each([
    [
      [
        ['10000', '0'],
        ['300', '10000'],
      ],
      /line 2, column 3: bandwidth "0" must be a number > 0/,
    ],
    [
      [
        ['-1', '300'],
        ['300', '10000'],
      ],
      /line 2, column 2: bandwidth "-1" of a GPU to itself must be a number >= 0/,
    ],
  ])('refuses a link that is no bandwidth: %j', (matrix, message) => {
    expect(failure(read(matrix))).toMatch(message);
  });
});

describe('readConfigDir: a pool the price list cannot price, or no pool at all', () => {
  // The seed's list in brief: AWS has no L40 (only the L40S) and no A10 (only the A10G).
  const list = `${HEADER}
AWS,p4de.24xlarge,NVIDIA A100,8,80 GB HBM2e,$40.96
AWS,g6e.4xlarge,NVIDIA L40S,1,48 GB GDDR6,$3.42
AWS,g5.xlarge,NVIDIA A10G,1,24 GB GDDR6,$1.01
Lambda,A10,NVIDIA A10,1,24 GB GDDR6,$0.75 per GPU
`;
  const read = (pool: string, options: Parameters<typeof readConfigDir>[1] = {}) => {
    const root = layout(list, null);
    writeFileSync(join(root, 'configs', 'pool', 'gpu_pool.csv'), pool);
    return () =>
      readConfigDir(join(root, 'configs', 'pool'), {
        perfModel: ROOFLINE_MODEL,
        generateNetwork: [400, 200],
        ...options,
      });
  };
  const medium = 'gpu_type,count,memory_gb\nA100,8,80\nL40,12,48\nA10,12,24\n';

  it('names every unpriced type, the providers that offer each, and every fix', () => {
    const message = failure(read(medium));
    expect(message).toMatch(
      /gpu_pool\.csv: no price for GPU types "L40" \(48 GB, line 3\), "A10" \(24 GB, line 4\): \S+cloud_instances_specs\.csv has no AWS offer for them \(--perf-model roofline prices a GPU type only by an offer of that exact GPU model with the same memory\); no other provider offers L40; Lambda offers A10\./,
    );
    expect(message).toMatch(
      /To price them: add a dollar_per_hour column to gpu_pool\.csv with your prices, name another price list with --prices FILE, or use --perf-model seed, whose lookup takes the first AWS GPU model whose name contains the type \(L40 as "NVIDIA L40S", A10 as "NVIDIA A100"\)$/,
    );
    // No provider offers the L40: another provider is no fix, and is not offered as one.
    expect(message).not.toMatch(/--cloud-provider/);
  });

  it('offers the providers that price every unpriced type, and never a price of its own', () => {
    const message = failure(
      read('gpu_type,count,memory_gb,dollar_per_hour\nA100,8,80,\nA10,12,24,\n'),
    );
    expect(message).toMatch(/no price for GPU type "A10" \(24 GB, line 3\)/);
    expect(message).toMatch(
      /To price it: fill the dollar_per_hour cells of gpu_pool\.csv with your prices, name another price list with --prices FILE, pick a provider that offers it with --cloud-provider \(Lambda\), or use --perf-model seed/,
    );
    expect(read(medium, { perfModel: SEED_MODEL })().types.map((t) => t.usdPerHour)).toEqual([
      40.96 / 8,
      3.42,
      40.96 / 8,
    ]);
  });

  it('refuses an unknown --cloud-provider up front, even for a pool with its own prices', () => {
    const priced = 'gpu_type,count,memory_gb,dollar_per_hour\nA100,8,80,4\n';
    expect(read(priced)().types[0]!.usdPerHour).toBe(4);
    expect(failure(read(priced, { cloudProvider: 'aws' }))).toMatch(
      /^--cloud-provider: unknown provider "aws"; \S+cloud_instances_specs\.csv has AWS, Lambda; did you mean "AWS"\?$/,
    );
    expect(failure(read(priced, { cloudProvider: 'Azzure' }))).toMatch(
      /unknown provider "Azzure"; \S+ has AWS, Lambda$/,
    );
  });

  it('says AWS is only the default when the list has no AWS offers', () => {
    const root = layout(`${HEADER}\nLambda,A10,NVIDIA A10,1,24 GB GDDR6,$0.75 per GPU\n`, null);
    writeFileSync(
      join(root, 'configs', 'pool', 'gpu_pool.csv'),
      'gpu_type,count,memory_gb\nA10,12,24\n',
    );
    const dir = join(root, 'configs', 'pool');
    const options = { perfModel: ROOFLINE_MODEL, generateNetwork: [400, 200] as [number, number] };
    expect(failure(() => readConfigDir(dir, options))).toMatch(
      /^--cloud-provider: unknown provider "AWS"; \S+ has Lambda \(AWS is the default\); name the provider to price from with --cloud-provider$/,
    );
    expect(readConfigDir(dir, { ...options, cloudProvider: 'Lambda' }).types[0]!.usdPerHour).toBe(
      0.75,
    );
  });

  it('refuses a gpu_pool.csv with a header and no rows, naming that file', () => {
    expect(failure(read('gpu_type,count,memory_gb\n'))).toMatch(
      /gpu_pool\.csv: lists no GPUs \(only its header\); add a row gpu_type,count,memory_gb\[,dollar_per_hour\] for each GPU type/,
    );
  });
});

describe('parseConfig', () => {
  const parse = (text: string) => parseConfig(parseCsv(text, 'config.csv'), 'config.csv');

  it('refuses an empty value of a parameter it reads, and ignores others', () => {
    expect(() => parse(`${CONFIG}max_hourly_cost,\n`)).toThrow(
      /^max_hourly_cost is empty; give a value or remove the row for its default$/,
    );
    expect(() => parse(CONFIG.replace('d_model,8192', 'd_model,'))).toThrow(
      /^d_model is empty; give a value$/,
    );
    expect(() => parse(CONFIG.replace('max_pipeline_stages,8', 'max_pipeline_stages,'))).toThrow(
      /max_pipeline_stages is empty/,
    );
    expect(parse(`${CONFIG}time_limit_seconds,\n`).d_model).toBe(8192);
  });

  it('reads decimals and exponents, and refuses other spellings of numbers', () => {
    expect(parse(`${CONFIG}total_tokens_to_process,1e9\n`).total_tokens_to_process).toBe(1e9);
    expect(parse(`${CONFIG}max_hourly_cost,999.0\n`).max_hourly_cost).toBe(999);
    for (const bad of ['0x10', 'Infinity', '1,5', '12 GB', '.'])
      expect(() => parse(`${CONFIG}max_hourly_cost,"${bad}"\n`)).toThrow(
        `expected max_hourly_cost as a number (a finite decimal such as 4096 or 3.5), got "${bad}"`,
      );
    // The message names the line of the parameter.
    const line = CONFIG.split('\n').findIndex((l) => l.startsWith('d_model,')) + 1;
    try {
      parse(CONFIG.replace('d_model,8192', 'd_model,0x10'));
      expect.unreachable();
    } catch (error) {
      expect((error as UserError).format()).toMatch(
        new RegExp(`^config\\.csv: line ${line}, d_model: expected d_model as a number`),
      );
    }
  });

  it('refuses min_batch_size above max_batch_size, naming both', () => {
    expect(() => parse(CONFIG.replace('min_batch_size,32', 'min_batch_size,64'))).toThrow(
      'min_batch_size (64) must be <= max_batch_size (32)',
    );
    expect(parse(CONFIG).min_batch_size).toBe(32);
  });

  it(`accepts up to ${MAX_LAYERS} decoder layers and pipeline stages, and refuses more`, () => {
    const sized = (layers: number, stages: number) =>
      CONFIG.replace('num_decoder_layers,32', `num_decoder_layers,${layers}`).replace(
        'max_pipeline_stages,8',
        `max_pipeline_stages,${stages}`,
      );
    expect(parse(sized(MAX_LAYERS, MAX_LAYERS)).num_decoder_layers).toBe(MAX_LAYERS);
    expect(() => parse(sized(MAX_LAYERS + 1, 8))).toThrow(
      `num_decoder_layers must be <= ${MAX_LAYERS}, got ${MAX_LAYERS + 1}`,
    );
    expect(() => parse(sized(32, 1e9))).toThrow(`max_pipeline_stages must be <= ${MAX_LAYERS}`);
  });

  it('refuses a near miss of a parameter (it would be ignored), and ignores other extra rows', () => {
    expect(() => parse(`${CONFIG}num_decoder_layer,40\n`)).toThrow(
      'unknown parameter "num_decoder_layer"; did you mean "num_decoder_layers"?',
    );
    expect(() => parse(`${CONFIG}D_Model,4096\n`)).toThrow('did you mean "d_model"?');
    // The seed's own extra rows, which its solver reads and ours does not need.
    expect(parse(`${CONFIG}optimization_priority,cost\ntime_limit_seconds,60\n`).d_model).toBe(
      parse(CONFIG).d_model,
    );
  });

  it('refuses a parameter given twice', () => {
    expect(() => parse(`${CONFIG}d_model,4096\n`)).toThrow(
      'parameter "d_model" is given twice (lines 6 and 11); keep one',
    );
  });
});
