import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigDir } from './model.js';
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
