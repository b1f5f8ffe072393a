import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { deviceMemoryTooLarge } from '../../core/device-memory.js';
import { UserError } from '../../core/errors.js';
import { readCsvFile, readJsonFile, type CsvTable } from '../../core/io.js';
import { nearMiss } from '../../core/near-miss.js';
import { formatPath, parseWith } from '../../core/schema.js';
import { ROOFLINE_MODEL } from './perf/roofline.js';
import { SEED_MODEL } from './perf/seed.js';
import {
  listedProviders,
  MAX_USD_PER_HOUR,
  readPriceList,
  seedOffer,
  unknownProvider,
} from './prices.js';
import type { PerfModel } from './perf/types.js';
import { usdPerMillionTokens } from './score.js';
import { parseDecimal } from '../../core/decimal.js';

const num = (what: string) =>
  z
    .union([z.number(), z.string()], { error: `${what} is missing; add a row "${what},VALUE"` })
    .transform((raw, ctx) => {
      const v = typeof raw === 'number' ? raw : parseDecimal(raw);
      if (Number.isFinite(v)) return v;
      ctx.addIssue({
        code: 'custom',
        message:
          typeof raw === 'string' && raw.trim() === ''
            ? `${what} is empty; give a number or remove the row`
            : `expected ${what} as a number (a finite decimal such as 4096 or 3.5), got "${String(raw)}"`,
      });
      return z.NEVER;
    });
const positiveInt = (what: string) =>
  num(what).pipe(
    z
      .number()
      .int({ error: `${what} must be an integer` })
      .min(1, { error: `${what} must be >= 1` }),
  );
/**
 * The most decoder layers a model, and pipeline stages a placement, may have: the frontier keeps
 * tables of layers × stages per threshold (4× the deepest published dense LLMs, ~126 layers).
 */
export const MAX_LAYERS = 512;
const atMostLayers = (what: string) =>
  z.number().max(MAX_LAYERS, {
    error: (issue) => `${what} must be <= ${MAX_LAYERS}, got ${String(issue.input)}`,
  });
/**
 * The most bytes an element of the model may take: fp64's 8, the widest format a model is stored
 * in. More is the width in bits (16 for bf16), which would make every transfer 8× too slow.
 */
const MAX_BYTES_PER_ELEMENT = 8;
const fraction = (what: string) =>
  num(what).pipe(
    z
      .number()
      .gt(0, { error: `${what} must be > 0` })
      .max(1, { error: `${what} must be <= 1` }),
  );
const bool = (what: string) =>
  z
    .enum(['true', 'false', 'True', 'False', '1', '0'], {
      error: (issue) => `${what} must be true or false, got "${String(issue.input)}"`,
    })
    .transform((v) => v === 'true' || v === 'True' || v === '1');

/**
 * `config.csv` of the seed solver, as `parameter,value` rows (extra parameters are ignored,
 * unless one is a near miss of a known one: then it is refused as the typo it is). The
 * optional rows after `total_tokens_to_process` are read by the roofline model only; its doc
 * (docs/llm-roofline.md) gives their defaults.
 */
export const configSchema = z
  .object({
    sequence_length: positiveInt('sequence_length'),
    min_batch_size: positiveInt('min_batch_size'),
    max_batch_size: positiveInt('max_batch_size'),
    model_name: z.string().min(1, { error: 'model_name is empty' }).default('model'),
    num_decoder_layers: positiveInt('num_decoder_layers').pipe(atMostLayers('num_decoder_layers')),
    d_model: positiveInt('d_model'),
    d_hidden: positiveInt('d_hidden'),
    layer_weight_memory_gb: num('layer_weight_memory_gb').pipe(
      z.number().positive({ error: 'layer_weight_memory_gb must be > 0' }),
    ),
    bytes_per_element: num('bytes_per_element').pipe(
      z
        .number()
        .positive({ error: 'bytes_per_element must be > 0' })
        .max(MAX_BYTES_PER_ELEMENT, {
          error: ({ input }) =>
            `bytes_per_element ${String(input)} is more than any number format takes (fp64 takes ${MAX_BYTES_PER_ELEMENT}); is it in bits? (${String(input)} bits = ${Number(input) / 8} bytes)`,
        }),
    ),
    enable_segment_quantization: bool('enable_segment_quantization').default(false),
    max_pipeline_stages: positiveInt('max_pipeline_stages').pipe(
      atMostLayers('max_pipeline_stages'),
    ),
    min_layers_per_stage: positiveInt('min_layers_per_stage').default(1),
    min_memory_utilization: num('min_memory_utilization').pipe(z.number().min(0).max(1)).default(0),
    /** The seed drops stage-to-stage links below this quantile of the bandwidths (see links.ts). */
    network_bandwidth_percentile_threshold: num('network_bandwidth_percentile_threshold')
      .pipe(z.number().min(0).max(1))
      .default(0),
    max_hourly_cost: num('max_hourly_cost').default(999),
    max_total_cost: num('max_total_cost').default(999999),
    max_total_runtime_hours: num('max_total_runtime_hours').default(999999),
    total_tokens_to_process: num('total_tokens_to_process')
      .pipe(z.number().positive())
      .default(1_000_000),
    input_length: positiveInt('input_length').optional(),
    output_length: positiveInt('output_length').optional(),
    num_attention_heads: positiveInt('num_attention_heads').optional(),
    num_kv_heads: positiveInt('num_kv_heads').optional(),
    vocab_size: positiveInt('vocab_size').optional(),
    memory_bandwidth_efficiency: fraction('memory_bandwidth_efficiency').optional(),
    compute_efficiency: fraction('compute_efficiency').optional(),
  })
  .superRefine((c, ctx) => {
    if (c.min_batch_size > c.max_batch_size)
      ctx.addIssue({
        code: 'custom',
        path: ['min_batch_size'],
        message: `min_batch_size (${c.min_batch_size}) must be <= max_batch_size (${c.max_batch_size}); swap them or lower min_batch_size`,
      });
    if (c.num_kv_heads === undefined) return;
    if (c.num_attention_heads === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['num_kv_heads'],
        message: 'num_kv_heads needs num_attention_heads (the query heads it groups)',
      });
    else if (c.num_kv_heads > c.num_attention_heads)
      ctx.addIssue({
        code: 'custom',
        path: ['num_kv_heads'],
        message: `num_kv_heads (${c.num_kv_heads}) must be <= num_attention_heads (${c.num_attention_heads})`,
      });
  });
export type LlmConfig = z.infer<typeof configSchema>;

/** One GPU type of the pool; its GPUs get global ids `firstId .. firstId + count - 1`. */
export interface GpuType {
  name: string;
  count: number;
  memoryGb: number;
  usdPerHour: number;
  firstId: number;
}

/** A pipeline stage: layers startLayer … endLayer (1-based, inclusive) on a TP group of one GPU type. */
export interface Stage {
  gpuType: string;
  tp: number;
  gpuIds: number[];
  startLayer: number;
  endLayer: number;
}

/** An answer at one batch size: its stages in pipeline order and what it claims. */
export interface Placement {
  throughputTokensPerSec: number;
  usdPerHour: number;
  usdPerMillionTokens: number;
  stages: Stage[];
}

/**
 * What messages about a placement call its parts: the names of what it was read from, so that a
 * message about a user's file names the file's fields. `stage(k)` is the k-th stage (0-based);
 * the others are field names, those of a stage relative to it. A stated cost per token is
 * `costPerToken` for `tokens` tokens.
 */
export interface PlacementTerms {
  stages: string;
  stage: (k: number) => string;
  gpuType: string;
  tp: string;
  gpuIds: string;
  startLayer: string;
  endLayer: string;
  usdPerHour: string;
  throughput: string;
  costPerToken: string;
  tokens: number;
}

/** Placement's own names, as `llm solve --json` prints a placement and the library takes one. */
export const PLACEMENT_TERMS: PlacementTerms = {
  stages: 'stages',
  stage: (k) => `stages[${k}]`,
  gpuType: 'gpuType',
  tp: 'tp',
  gpuIds: 'gpuIds',
  startLayer: 'startLayer',
  endLayer: 'endLayer',
  usdPerHour: 'usdPerHour',
  throughput: 'throughputTokensPerSec',
  costPerToken: 'usdPerMillionTokens',
  tokens: 1e6,
};

/** A placement problem: the model and batch settings, the pool, and bandwidth [gpus × gpus] in GB/s. */
export interface LlmProblem {
  config: LlmConfig;
  types: GpuType[];
  gpuCount: number;
  bandwidthGbps: Float64Array;
}

/**
 * `parameter,value` rows as a record. A parameter given twice, or a parameter the schema reads
 * with an empty value, or one a letter or two from a known parameter, is refused naming its line
 * (other parameters are ignored, empty or not).
 */
function parameterTable(
  table: CsvTable,
  path: string,
): { values: Record<string, string>; lines: Map<string, number> } {
  if (table.header[0] !== 'parameter' || table.header[1] !== 'value') {
    throw new UserError('expected the header "parameter,value"', path, 'line 1');
  }
  const shape: Record<string, z.ZodType> = configSchema.shape;
  const known = new Set(Object.keys(shape));
  const optional = (key: string): boolean => shape[key]!.safeParse(undefined).success;
  const lines = new Map<string, number>();
  const values: Record<string, string> = {};
  for (const row of table.rows) {
    const [key, value] = [row.cells[0]!.trim(), row.cells[1]!.trim()];
    const first = lines.get(key);
    if (first !== undefined)
      throw new UserError(
        `parameter "${key}" is given twice (lines ${first} and ${row.line}); keep one`,
        path,
        `line ${row.line}`,
      );
    lines.set(key, row.line);
    const meant = known.has(key) ? null : nearMiss(key, [...known]);
    if (meant)
      throw new UserError(
        `unknown parameter "${key}"; did you mean "${meant}"?`,
        path,
        `line ${row.line}`,
      );
    if (value === '' && known.has(key))
      throw new UserError(
        `${key} is empty; give a value${optional(key) ? ' or remove the row for its default' : ''}`,
        path,
        `line ${row.line}, ${key}`,
      );
    values[key] = value;
  }
  return { values, lines };
}

/** `config.csv` checked; a bad value is refused naming its line and parameter. */
export function parseConfig(table: CsvTable, path: string): LlmConfig {
  const { values, lines } = parameterTable(table, path);
  const parsed = configSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const line = lines.get(String(issue.path[0]));
    const field = formatPath(issue.path);
    throw new UserError(issue.message, path, line === undefined ? field : `line ${line}, ${field}`);
  }
  return parsed.data;
}

export interface ReadOptions {
  /** Generated network: INTRA GB/s within a GPU type, INTER across types (10000 on the diagonal). */
  generateNetwork?: [number, number];
  /**
   * The provider whose offers price the pool (`--cloud-provider`, default AWS), spelt exactly as
   * in the price list's `Cloud Provider` column; when given, it is checked against the list up
   * front, whether or not the pool needs a price.
   */
  cloudProvider?: string;
  /**
   * The `cloud_instances_specs.csv` to price from (`--prices`); by default the first found in
   * the config directory and the two folders above it (the seed keeps one list beside
   * `configs/`).
   */
  cloudInstancesFile?: string;
  /** The performance model the problem is for: it decides known GPU types and price lookup. */
  perfModel?: PerfModel;
}

/** The first `cloud_instances_specs.csv` in `dir` and the two folders above it, if any. */
export function findPriceList(dir: string): string | undefined {
  const parent = dirname(resolve(dir));
  return [resolve(dir), parent, dirname(parent)]
    .map((folder) => join(folder, 'cloud_instances_specs.csv'))
    .find((file) => existsSync(file));
}

/**
 * The most GPUs a pool may hold, per row of `gpu_pool.csv` and in all: the network is a dense
 * GPUs × GPUs matrix of doubles (4 096² × 8 bytes = 128 MiB, read or generated), and the link
 * checks walk every pair of it.
 */
export const MAX_POOL_GPUS = 4096;

/** The provider prices come from when `--cloud-provider` is not given, as in the seed. */
const DEFAULT_CLOUD_PROVIDER = 'AWS';

/** Read a config directory exactly as the seed lays it out. */
export function readConfigDir(dir: string, options: ReadOptions = {}): LlmProblem {
  const config = parseConfig(readCsvFile(join(dir, 'config.csv')), join(dir, 'config.csv'));
  const poolPath = join(dir, 'gpu_pool.csv');
  const pool = readCsvFile(poolPath);
  const cloudPath = options.cloudInstancesFile ?? findPriceList(dir);
  const provider = options.cloudProvider ?? DEFAULT_CLOUD_PROVIDER;
  // A list named with --prices is always read and checked; one found by the seed's layout only
  // when needed.
  const named = options.cloudInstancesFile ? readPriceList(options.cloudInstancesFile) : undefined;
  /** The list with its provider checked: a misspelt provider is named as such, not blamed on a missing price. */
  const withProvider = (table: CsvTable, path: string): CsvTable => {
    const unknown = unknownProvider(table, path, provider);
    if (unknown)
      throw new UserError(
        options.cloudProvider === undefined
          ? `${unknown} (${DEFAULT_CLOUD_PROVIDER} is the default); name the provider to price from with --cloud-provider`
          : unknown,
        undefined,
        '--cloud-provider',
      );
    return table;
  };
  let checked: CsvTable | undefined;
  const list = cloudPath
    ? {
        path: cloudPath,
        table: (): CsvTable =>
          (checked ??= withProvider(named ?? readPriceList(cloudPath), cloudPath)),
      }
    : null;
  // A provider given with --cloud-provider is checked whether or not the pool needs a price.
  if (list && options.cloudProvider !== undefined) list.table();
  const types = parsePool(pool, poolPath, options.perfModel ?? ROOFLINE_MODEL, {
    list,
    provider,
  });
  const gpuCount = types.reduce((a, t) => a + t.count, 0);
  if (gpuCount > MAX_POOL_GPUS)
    throw new UserError(
      `the pool has ${gpuCount} GPUs, more than the ${MAX_POOL_GPUS} allowed in all (its network is a dense GPUs × GPUs matrix); lower the counts`,
      poolPath,
    );
  const poolGb = types.reduce((a, t) => a + t.count * t.memoryGb, 0);
  const weightsGb = config.num_decoder_layers * config.layer_weight_memory_gb;
  if (weightsGb > poolGb) {
    throw new UserError(
      `the model's weights need ${weightsGb} GB (num_decoder_layers × layer_weight_memory_gb) but the whole pool has ${poolGb} GB`,
      join(dir, 'config.csv'),
    );
  }
  const bandwidthGbps = options.generateNetwork
    ? generatedNetwork(types, gpuCount, ...options.generateNetwork)
    : readNetwork(join(dir, 'network_bandwidth.csv'), gpuCount);
  return { config, types, gpuCount, bandwidthGbps };
}

/** Where prices come from for a pool row without a `dollar_per_hour`: a price list, at one provider. */
export interface PriceSource {
  /**
   * The price list's path, and its table, read and checked (its provider too) when a row first
   * needs it; null when there is none.
   */
  list: { path: string; table: () => CsvTable } | null;
  provider: string;
}

/** A pool row that gives no price and that the price list does not price either. */
interface Unpriced {
  name: string;
  memoryGb: number;
  line: number;
}

/**
 * `gpu_pool.csv`: GPU types `perf` can rate, each with a price: its own `dollar_per_hour` (a
 * number >= 0), or, where that column is absent or the cell empty (as the seed reads it), the
 * price list's. Every other cell is checked strictly; errors name the line and column. Rows the
 * list cannot price are refused together, in one message that says how to price them.
 */
export function parsePool(
  table: CsvTable,
  path: string,
  perf: PerfModel,
  prices: PriceSource,
): GpuType[] {
  const col = (name: string): number => table.header.indexOf(name);
  for (const name of ['gpu_type', 'count', 'memory_gb']) {
    if (col(name) < 0)
      throw new UserError(
        `missing column "${name}"; expected gpu_type,count,memory_gb[,dollar_per_hour]`,
        path,
      );
  }
  if (table.rows.length === 0)
    throw new UserError(
      'lists no GPUs (only its header); add a row gpu_type,count,memory_gb[,dollar_per_hour] for each GPU type of the pool',
      path,
    );
  const lines = new Map<string, number>();
  const unpriced: Unpriced[] = [];
  let firstId = 0;
  const types = table.rows.map((row) => {
    const at = `line ${row.line}`;
    /** The cell of column `name`, and where it is, for messages. */
    const cell = (name: string): [string, string] => [
      row.cells[col(name)]!.trim(),
      `${at}, column ${col(name) + 1} (${name})`,
    ];
    const [name, nameAt] = cell('gpu_type');
    if (name === '') throw new UserError('gpu_type is empty; name the GPU type', path, nameAt);
    const first = lines.get(name);
    if (first !== undefined)
      throw new UserError(
        `GPU type "${name}" is listed twice (lines ${first} and ${row.line}); give each type one row with its total count`,
        path,
        nameAt,
      );
    lines.set(name, row.line);
    const [countText, countAt] = cell('count');
    const count = parseDecimal(countText);
    if (!Number.isInteger(count) || count < 1 || count > MAX_POOL_GPUS)
      throw new UserError(
        countText === ''
          ? 'count is empty; give the number of GPUs of this type'
          : `count must be an integer from 1 to ${MAX_POOL_GPUS} (the most GPUs a pool may hold), got "${countText}"`,
        path,
        countAt,
      );
    const [memoryText, memoryAt] = cell('memory_gb');
    const memoryGb = parseDecimal(memoryText);
    if (!(memoryGb > 0) || !Number.isFinite(memoryGb))
      throw new UserError(
        memoryText === ''
          ? 'memory_gb is empty; give the memory of one GPU in GB'
          : `memory_gb must be a number > 0, got "${memoryText}"`,
        path,
        memoryAt,
      );
    const slip = deviceMemoryTooLarge(memoryGb, 'GB');
    if (slip) throw new UserError(slip, path, memoryAt);
    const unknown = perf.gpuProblem(name, memoryGb);
    if (unknown) throw new UserError(unknown, path, at);
    const [givenText, givenAt] = col('dollar_per_hour') >= 0 ? cell('dollar_per_hour') : ['', at];
    let usdPerHour: number | undefined;
    if (givenText !== '') {
      usdPerHour = parseDecimal(givenText);
      if (!(usdPerHour >= 0 && usdPerHour <= MAX_USD_PER_HOUR))
        throw new UserError(
          `dollar_per_hour must be a number from 0 to ${MAX_USD_PER_HOUR}, got "${givenText}"; leave the cell empty to take the price list's`,
          path,
          givenAt,
        );
    } else if (prices.list) {
      usdPerHour = perf.price(prices.list.table(), prices.provider, name, memoryGb);
    }
    if (usdPerHour === undefined) unpriced.push({ name, memoryGb, line: row.line });
    // NaN stands for a missing price only until the refusal below: such a pool is never returned.
    const type = { name, count, memoryGb, usdPerHour: usdPerHour ?? NaN, firstId };
    firstId += count;
    return type;
  });
  if (unpriced.length)
    throw new UserError(unpricedMessage(unpriced, col('dollar_per_hour') >= 0, perf, prices), path);
  return types;
}

/**
 * Why `unpriced` rows have no price, and every way to give them one: the pool's own column, another
 * list, another provider (naming those that offer each type), or the seed's looser lookup
 * (naming the offer it would take for each type). Prices are never made up.
 */
function unpricedMessage(
  unpriced: readonly Unpriced[],
  hasColumn: boolean,
  perf: PerfModel,
  prices: PriceSource,
): string {
  const these = unpriced.length === 1 ? 'it' : 'them';
  const rows = unpriced.map((u) => `"${u.name}" (${u.memoryGb} GB, line ${u.line})`);
  const head = `no price for GPU type${unpriced.length === 1 ? '' : 's'} ${rows.join(', ')}`;
  const own = hasColumn
    ? 'fill the dollar_per_hour cells of gpu_pool.csv with your prices'
    : 'add a dollar_per_hour column to gpu_pool.csv with your prices';
  if (!prices.list)
    return `${head}: the pool gives none and there is no cloud_instances_specs.csv in the config folder or the two above it. To price ${these}: ${own}, or name a price list with --prices FILE`;
  const table = prices.list.table();
  const { provider } = prices;
  const others = listedProviders(table).filter((p) => p !== provider);
  const offeredAt = unpriced.map((u) =>
    others.filter((p) => perf.price(table, p, u.name, u.memoryGb) !== undefined),
  );
  const elsewhere = unpriced.map((u, k) => {
    const at = offeredAt[k]!;
    return at.length
      ? `${at.join(', ')} offer${at.length === 1 ? 's' : ''} ${u.name}`
      : `no other provider offers ${u.name}`;
  });
  const fixes = [own, 'name another price list with --prices FILE'];
  // Another provider is a fix only where it offers every one of them.
  const covering = others.filter((p) => offeredAt.every((at) => at.includes(p)));
  if (covering.length)
    fixes.push(
      `pick a provider that offers ${these} with --cloud-provider (${covering.join(', ')})`,
    );
  const seedOffers = unpriced.map((u) =>
    SEED_MODEL.gpuProblem(u.name, u.memoryGb) === null
      ? seedOffer(table, provider, u.name)
      : undefined,
  );
  if (perf.name !== SEED_MODEL.name && seedOffers.every((o) => o !== undefined))
    fixes.push(
      `use --perf-model seed, whose lookup takes the first ${provider} GPU model whose name contains the type (${unpriced
        .map((u, k) => `${u.name} as "${seedOffers[k]!.gpuModel}"`)
        .join(', ')})`,
    );
  return (
    `${head}: ${prices.list.path} has no ${provider} offer for ${these} (--perf-model ${perf.name} ${perf.priceRule}); ` +
    `${elsewhere.join('; ')}. To price ${these}: ${fixes.slice(0, -1).join(', ')}, or ${fixes.at(-1)!}`
  );
}

export function generatedNetwork(
  types: GpuType[],
  gpuCount: number,
  intra: number,
  inter: number,
): Float64Array {
  const typeOf = new Int32Array(gpuCount);
  types.forEach((t, k) => typeOf.fill(k, t.firstId, t.firstId + t.count));
  const bw = new Float64Array(gpuCount * gpuCount);
  for (let i = 0; i < gpuCount; i++) {
    for (let j = 0; j < gpuCount; j++)
      bw[i * gpuCount + j] = i === j ? 10000 : typeOf[i] === typeOf[j] ? intra : inter;
  }
  return bw;
}

function readNetwork(path: string, gpuCount: number): Float64Array {
  const table = readCsvFile(path);
  const size = table.rows.length;
  if (size !== gpuCount || table.header.length - 1 !== gpuCount) {
    throw new UserError(
      `the matrix is ${size} × ${table.header.length - 1} but the pool has ${gpuCount} GPUs; fix the file or use --generate-network INTRA,INTER`,
      path,
    );
  }
  const bw = new Float64Array(gpuCount * gpuCount);
  table.rows.forEach((row, i) => {
    for (let j = 0; j < gpuCount; j++) {
      const v = parseDecimal(row.cells[j + 1]!);
      // A GPU's link to itself is never read (a measured matrix often holds 0 there); every
      // other link carries TP all-reduces or activations, so it must be a real bandwidth.
      if (!(i === j ? v >= 0 : v > 0) || !Number.isFinite(v))
        throw new UserError(
          i === j
            ? `bandwidth "${row.cells[j + 1]}" of a GPU to itself must be a number >= 0 (GB/s; it is not read)`
            : `bandwidth "${row.cells[j + 1]}" must be a number > 0 (GB/s)`,
          path,
          `line ${row.line}, column ${j + 2}`,
        );
      bw[i * gpuCount + j] = v;
    }
  });
  return bw;
}

/** Batch sizes of a config: powers of two from min to max, plus max. */
export function batchSizes(config: LlmConfig): number[] {
  const sizes = new Set<number>();
  for (let b = config.min_batch_size; b <= config.max_batch_size; b *= 2) sizes.add(b);
  sizes.add(config.max_batch_size);
  return [...sizes].sort((a, b) => a - b);
}

const MAX_SOLUTION_FILE_BYTES = 16 * 1024 * 1024;
const layerNumber = z.number().int().min(1).max(1_000_000);

/** A field of the seed's `solution_with_tp.json` that no check reads (the seed's own records). */
const unread = z.unknown().optional();

/**
 * `solution_with_tp.json`, as the seed solver and `llm solve --out` write it: the fields a
 * placement is made of, beside the other fields those two write (accepted, not read). Any other
 * key is refused, naming the field it seems to misspell: a misspelt optional field (`gpu_id`)
 * would otherwise be silently left unchecked. GPU ids are the pool's global ids, in the order of
 * `gpu_pool.csv`'s rows.
 */
const solutionFileSchema = z.strictObject({
  config: unread,
  solution: z.strictObject({
    batch_size: z.number().int().min(1).max(1_000_000),
    throughput_tokens_per_sec: z.number().min(0).max(1e15),
    cost_per_hour: z.number().min(0).max(1e12),
    cost_per_token: z.number().min(0).max(1e6).optional(),
    gpu_assignments: z
      .array(
        z.strictObject({
          gpu_type: z.string().min(1),
          global_gpu_ids: z.array(z.number().int().min(0).max(10_000_000)).min(1).max(1024),
          /** The same GPUs counted within their type from 0; checked against the pool when given. */
          gpu_ids: z.array(z.number().int().min(0).max(10_000_000)).max(1024).optional(),
          tp_degree: z.number().int().min(1).max(1024),
          start_layer: layerNumber,
          end_layer: layerNumber,
          partition_id: unread,
          segment_size: unread,
          throughput: unread,
        }),
      )
      .max(1024),
    objective_value: unread,
    total_runtime_hours: unread,
    meets_cost_threshold: unread,
    tp_configuration: unread,
    network_connections: unread,
    solve_status: unread,
    num_pipeline_stages: unread,
  }),
});

/** The names of `solution_with_tp.json`, for messages about a placement read from one. */
export const SOLUTION_FILE_TERMS: PlacementTerms = {
  stages: 'solution.gpu_assignments',
  stage: (k) => `solution.gpu_assignments[${k}]`,
  gpuType: 'gpu_type',
  tp: 'tp_degree',
  gpuIds: 'global_gpu_ids',
  startLayer: 'start_layer',
  endLayer: 'end_layer',
  usdPerHour: 'solution.cost_per_hour',
  throughput: 'solution.throughput_tokens_per_sec',
  costPerToken: 'solution.cost_per_token',
  tokens: 1,
};

/**
 * Read a `solution_with_tp.json` as a placement at its batch size; errors name the field. With
 * the pool's `types`, `gpuIdMismatches` says where a stage's `gpu_ids` (ids within its type,
 * when given) name other GPUs than its `global_gpu_ids` (the ones the placement is read from):
 * broken constraints of the file, for the validator's list.
 */
export function readSolutionFile(
  path: string,
  types: readonly GpuType[] = [],
): { batchSize: number; placement: Placement; gpuIdMismatches: string[] } {
  const data = readJsonFile(path, { maxBytes: MAX_SOLUTION_FILE_BYTES });
  if ((data as { solution?: unknown } | null)?.solution === null)
    throw new UserError(
      'holds no placement (the solver found none at this batch size); there is nothing to check',
      path,
      'solution',
    );
  const s = parseWith(solutionFileSchema, data, path).solution;
  const gpuIdMismatches = s.gpu_assignments.flatMap((a, k) => {
    const type = types.find((t) => t.name === a.gpu_type);
    const globals = a.gpu_ids?.map((id) => id + (type?.firstId ?? 0));
    return type && globals && JSON.stringify(globals) !== JSON.stringify(a.global_gpu_ids)
      ? [
          `${SOLUTION_FILE_TERMS.stage(k)}.gpu_ids: ${JSON.stringify(a.gpu_ids)} are ${a.gpu_type} GPUs ${JSON.stringify(globals)} of the pool, but global_gpu_ids says ${JSON.stringify(a.global_gpu_ids)}`,
        ]
      : [];
  });
  return {
    batchSize: s.batch_size,
    gpuIdMismatches,
    placement: {
      throughputTokensPerSec: s.throughput_tokens_per_sec,
      usdPerHour: s.cost_per_hour,
      usdPerMillionTokens:
        s.cost_per_token === undefined
          ? usdPerMillionTokens(s.cost_per_hour, s.throughput_tokens_per_sec)
          : s.cost_per_token * 1e6,
      stages: s.gpu_assignments.map((a) => ({
        gpuType: a.gpu_type,
        tp: a.tp_degree,
        gpuIds: a.global_gpu_ids,
        startLayer: a.start_layer,
        endLayer: a.end_layer,
      })),
    },
  };
}
