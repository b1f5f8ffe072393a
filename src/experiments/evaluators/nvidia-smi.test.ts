import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GPU_METRICS, parseComputeApps, parseGpuQuery, summariseGpu } from './nvidia-smi.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../test/fixtures/nvidia-smi/${name}`, import.meta.url), 'utf8');

describe('parseGpuQuery', () => {
  it('reads one H100 as NVIDIA prints it', () => {
    expect(parseGpuQuery(fixture('query-gpu-h100.csv'))).toEqual([
      {
        index: 0,
        name: 'NVIDIA H100 80GB HBM3',
        memoryTotalMib: 81559,
        memoryUsedMib: 1043,
        utilizationPercent: 0,
      },
    ]);
  });

  it('reads several GPUs and turns [N/A] and [Not Supported] into null', () => {
    const gpus = parseGpuQuery(fixture('query-gpu-a100-x3.csv'));
    expect(gpus.map((g) => g.index)).toEqual([0, 1, 2]);
    expect(gpus[0]).toMatchObject({ memoryUsedMib: 45123, utilizationPercent: 87 });
    expect(gpus[2]).toEqual({
      index: 2,
      name: 'NVIDIA A100-SXM4-80GB',
      memoryTotalMib: 81920,
      memoryUsedMib: null,
      utilizationPercent: null,
    });
  });

  it('tolerates extra spaces, CRLF, units left in and a comma in the name', () => {
    expect(parseGpuQuery('  1 ,  Tesla T4, rev 2 ,15360 MiB,  12 MiB , 3 %  \r\n')).toEqual([
      {
        index: 1,
        name: 'Tesla T4, rev 2',
        memoryTotalMib: 15360,
        memoryUsedMib: 12,
        utilizationPercent: 3,
      },
    ]);
  });

  it('gives no GPU for empty output or a driver error', () => {
    expect(parseGpuQuery('')).toEqual([]);
    expect(
      parseGpuQuery(
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n",
      ),
    ).toEqual([]);
  });
});

describe('parseComputeApps', () => {
  it('reads processes, with [N/A] memory as null', () => {
    expect(parseComputeApps(fixture('query-compute-apps.csv'))).toEqual([
      { pid: 1834, processName: '/usr/bin/python3', usedMemoryMib: 40779 },
      { pid: 1901, processName: 'python3', usedMemoryMib: 2150 },
      { pid: 2044, processName: '/opt/conda/bin/python', usedMemoryMib: null },
    ]);
  });

  it('reads no processes from empty output or the "no processes" note', () => {
    expect(parseComputeApps(fixture('query-compute-apps-none.csv'))).toEqual([]);
    expect(parseComputeApps('No running processes found\n')).toEqual([]);
  });

  it('keeps commas inside a process name', () => {
    expect(parseComputeApps('77, /srv/a,b/python ,  512 \n')).toEqual([
      { pid: 77, processName: '/srv/a,b/python', usedMemoryMib: 512 },
    ]);
  });
});

describe('summariseGpu', () => {
  const gpu = (used: number | null, utilization: number | null) => ({
    index: 0,
    name: 'NVIDIA H100 80GB HBM3',
    memoryTotalMib: 81559,
    memoryUsedMib: used,
    utilizationPercent: utilization,
  });
  const app = { pid: 1, processName: 'python3', usedMemoryMib: 100 };

  it('takes the most memory seen and the mean utilisation during and after the load', () => {
    const summary = summariseGpu([
      { phase: 'before', gpu: gpu(40_000, 0), apps: [app] },
      { phase: 'load', gpu: gpu(42_000, 80), apps: [app, app] },
      { phase: 'load', gpu: gpu(null, null), apps: null },
      { phase: 'after', gpu: gpu(41_000, 40), apps: [app] },
    ]);
    expect(summary.full).toBe(false);
    expect(summary.metrics).toEqual({
      gpuMemoryUsedMib: 42_000,
      gpuMemoryTotalMib: 81559,
      gpuMemoryPercent: (100 * 42_000) / 81559,
      gpuUtilPercent: 60,
      gpuUtilPeakPercent: 80,
      gpuProcesses: 2,
    });
    // Every metric there is, so the list a spec is checked against must hold exactly these.
    expect(Object.keys(summary.metrics).sort()).toEqual([...GPU_METRICS].sort());
  });

  it('calls the memory full when a probe sees used >= total', () => {
    expect(summariseGpu([{ phase: 'load', gpu: gpu(81559, 100), apps: null }]).full).toBe(true);
  });

  it('reports nothing it was not told', () => {
    expect(summariseGpu([])).toEqual({ metrics: {}, full: false });
    expect(summariseGpu([{ phase: 'before', gpu: gpu(null, null), apps: null }]).metrics).toEqual({
      gpuMemoryTotalMib: 81559,
    });
  });
});
