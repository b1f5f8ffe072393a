import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import type { Params } from '../../evolve/genomes/params/index.js';
import { kernelMessage, liveEvaluator, liveEvaluatorSchema } from './live.js';

// Real processes throughout: restart.sh starts test/fixtures/live/service.mjs (an HTTP service
// whose latency and GPU memory follow its flags), and nvidia-smi.mjs answers nvidia-smi's
// queries from recorded output plus the running service's memory.
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/live/', import.meta.url));
const RESTART = `sh '${join(FIXTURES, 'restart.sh')}'`;
const NVIDIA_SMI = `'${process.execPath}' '${join(FIXTURES, 'nvidia-smi.mjs')}'`;
/** The baseline the restore brings back, and the idle memory the recorded nvidia-smi shows. */
const BASELINE = '--mem 0.4 --whisper tiny';
const IDLE_GPU_MIB = 1043;
const GPU_TOTAL_MIB = 81559;

let dir: string;
let port: number;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return free;
}

/** What the service on our port says about itself, or null when it does not answer 200. */
async function health(): Promise<{ mem: number; whisper: string } | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    return response.status === 200 ? ((await response.json()) as never) : null;
  } catch {
    return null;
  }
}

async function waitForBaseline(): Promise<void> {
  for (let i = 0; i < 100 && (await health()) === null; i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

function killService(): void {
  try {
    process.kill(Number(readFileSync(join(dir, 'service.pid'), 'utf8')), 'SIGKILL');
  } catch {
    // Not running.
  }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evoplace-live-test-'));
  port = await freePort();
  writeFileSync(join(dir, 'clip.wav'), Buffer.from('RIFF\0\0\0\0WAVEfmt '));
  spawnSync('/bin/sh', ['-c', `${RESTART} '${dir}' --port ${port} ${BASELINE}`], {
    env: { ...process.env, NODE: process.execPath },
  });
  await waitForBaseline();
});

afterEach(() => {
  killService();
  rmSync(dir, { recursive: true, force: true });
});

function evaluatorWith(overrides: Record<string, unknown> = {}) {
  const settings = liveEvaluatorSchema.parse({
    kind: 'live',
    apply: [`${RESTART} '${dir}' --port ${port} --mem {mem} --whisper {whisper}`],
    restore: [`${RESTART} '${dir}' --port ${port} ${BASELINE}`],
    env: { NODE: process.execPath, FAKE_NVIDIA_SMI_STATE: join(dir, 'gpu.json') },
    health: { url: `http://127.0.0.1:${port}/health`, timeoutSec: 5, intervalMs: 50 },
    chat: { url: `http://127.0.0.1:${port}`, model: 'test-llm', requests: 8, concurrency: 2 },
    transcription: {
      url: `http://127.0.0.1:${port}/v1`,
      model: 'whisper-1',
      audioFile: 'clip.wav',
      requests: 4,
      concurrency: 2,
    },
    nvidiaSmi: { command: NVIDIA_SMI, sampleIntervalMs: 100 },
    logFiles: ['service.log'],
    kernelLog: false,
    ...overrides,
  });
  return liveEvaluator(settings, dir);
}

const evaluate = (params: Params, timeoutMs = 8000, overrides = {}) =>
  evaluatorWith(overrides).evaluate(params, { timeoutMs });

function processList(): string {
  return spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
}

describe('liveEvaluator', () => {
  it('measures a good candidate: latencies, errors, concurrency and GPU state', async () => {
    // An OOM logged before the candidate started is not the candidate's.
    appendFileSync(join(dir, 'service.log'), 'torch.OutOfMemoryError: CUDA out of memory\n');
    const m = await evaluate({ mem: 0.5, whisper: 'small' });
    expect(m.error).toBeNull();
    expect(m.oom).toBe(false);
    // The service answers chat after 20 / mem ms and a small Whisper after 40 ms.
    expect(m.metrics.chatP50Ms).toBeGreaterThanOrEqual(40);
    expect(m.metrics.chatP95Ms).toBeGreaterThanOrEqual(m.metrics.chatP50Ms!);
    expect(m.metrics.transcriptionP50Ms).toBeGreaterThanOrEqual(40);
    expect(m.metrics).toMatchObject({ chatErrors: 0, transcriptionErrors: 0 });
    expect(m.metrics.chatConcurrency).toBeGreaterThan(0);
    expect(m.metrics.chatConcurrency).toBeLessThanOrEqual(2);
    // 8 answers of 8 completion tokens each.
    expect(m.metrics.chatTokensPerSec! / m.metrics.chatRequestsPerSec!).toBeCloseTo(8);
    const used = IDLE_GPU_MIB + Math.round(0.5 * GPU_TOTAL_MIB) + 2048;
    expect(m.metrics).toMatchObject({
      gpuMemoryUsedMib: used,
      gpuMemoryTotalMib: GPU_TOTAL_MIB,
      gpuUtilPercent: 63,
      gpuProcesses: 1,
    });
    expect(m.metrics.gpuMemoryPercent).toBeCloseTo((100 * used) / GPU_TOTAL_MIB);
    expect(m.metrics.healthyAfterMs).toBeGreaterThan(0);
    // All of them are in the list a spec's metrics are checked against.
    expect(evaluatorWith().reports).toEqual(expect.arrayContaining(Object.keys(m.metrics)));
    expect(m.log).toMatch(/apply: \$ .*--mem 0.5 --whisper small/);
    expect(await health()).toEqual({ mem: 0.4, whisper: 'tiny', ready: true });
  });

  it('flags a candidate whose service logs a CUDA OOM and dies, and restores the baseline', async () => {
    const m = await evaluate({ mem: 0.99, whisper: 'large' });
    expect(m.oom).toBe(true);
    expect(m.error).toMatch(/did not become healthy: the service logged an out-of-memory error/);
    expect(m.log).toMatch(/OOM: .*service\.log: .*torch\.OutOfMemoryError: CUDA out of memory/);
    expect(await health()).toMatchObject({ mem: 0.4, whisper: 'tiny' });
  });

  it('flags a candidate that fills the GPU memory as nvidia-smi reports it', async () => {
    const m = await evaluate({ mem: 0.98, whisper: 'tiny' });
    expect(m.error).toBeNull();
    expect(m.oom).toBe(true);
    expect(m.metrics.gpuMemoryUsedMib).toBe(GPU_TOTAL_MIB);
    expect(m.log).toMatch(/OOM: nvidia-smi showed the GPU memory full/);
  });

  it('kills an apply that hangs at the timeout, then restores the baseline', async () => {
    const hang = `${RESTART} '${dir}' --port ${port} --mem {mem} --whisper {whisper} && exec sleep 29.7013`;
    const m = await evaluate({ mem: 0.5, whisper: 'base' }, 2000, { apply: [hang] });
    expect(m.error).toMatch(
      /timeout passed: apply command 1 did not finish within the candidate timeout and was killed/,
    );
    expect(m.log).toMatch(/restore: \$ .*--mem 0.4 --whisper tiny -> exit 0/);
    expect(processList()).not.toContain('sleep 29.7013');
    expect(await health()).toMatchObject({ mem: 0.4, whisper: 'tiny' });
  });

  it('gives up on a service that never becomes healthy, then restores the baseline', async () => {
    const apply = `${RESTART} '${dir}' --port ${port} --mem {mem} --whisper {whisper} --never-healthy`;
    const m = await evaluate({ mem: 0.5, whisper: 'base' }, 8000, {
      apply: [apply],
      health: { url: `http://127.0.0.1:${port}/health`, timeoutSec: 1, intervalMs: 50 },
    });
    expect(m.error).toMatch(/did not become healthy: .* did not answer 200 within 1\.0 s/);
    expect(m.oom).toBe(false);
    expect(await health()).toMatchObject({ mem: 0.4, whisper: 'tiny' });
  });

  it('reports a failed restore', async () => {
    const m = await evaluate({}, 8000, { apply: ['true'], restore: ['exit 4'] });
    expect(m.error).toMatch(/restoring the baseline failed: restore command 1 exited with code 4/);
  });

  it('refuses a placeholder that names no parameter, before running anything', async () => {
    const m = await evaluate({ mem: 0.5 });
    expect(m.error).toMatch(/\{whisper\}/);
    expect(m.log).toBe('');
  });

  it('refuses an audio file that is missing, not a regular file or too large, naming the field', () => {
    const refusal = (audioFile: string): string => {
      try {
        evaluatorWith({
          transcription: { url: `http://127.0.0.1:${port}/v1`, model: 'whisper-1', audioFile },
        });
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        return (error as UserError).format();
      }
      throw new Error(`${audioFile} was accepted`);
    };
    expect(refusal('missing.wav')).toMatch(
      /evaluator\.transcription\.audioFile: .*missing\.wav: does not exist/,
    );
    // /dev/zero would be read forever.
    expect(refusal('/dev/zero')).toMatch(/is not a regular file/);
    expect(refusal('.')).toMatch(/is not a regular file/);
    const long = join(dir, 'long.wav');
    writeFileSync(long, '');
    truncateSync(long, 26 * 1024 * 1024);
    expect(refusal('long.wav')).toMatch(/26.0 MiB, above the 25.0 MiB limit; use a shorter clip/);
  });

  it('runs the evaluations of one evaluator one at a time, restore included', async () => {
    const order = join(dir, 'order');
    const evaluator = evaluatorWith({
      apply: [`echo apply >> '${order}'; sleep 0.2; echo applied >> '${order}'`],
      restore: [`echo restore >> '${order}'`],
      chat: undefined,
      transcription: undefined,
      nvidiaSmi: undefined,
    });
    const results = await Promise.all([
      evaluator.evaluate({}, { timeoutMs: 8000 }),
      evaluator.evaluate({}, { timeoutMs: 8000 }),
    ]);
    expect(results.map((m) => m.error)).toEqual([null, null]);
    expect(readFileSync(order, 'utf8').split('\n')).toEqual([
      'apply',
      'applied',
      'restore',
      'apply',
      'applied',
      'restore',
      '',
    ]);
  });
});

describe('kernelMessage', () => {
  it('takes the text of a /dev/kmsg record, without its header or continuation lines', () => {
    expect(
      kernelMessage(
        '3,1234,98765432,-;Out of memory: Killed process 4242 (python3) total-vm:1kB\n SUBSYSTEM=mem\n',
      ),
    ).toBe('Out of memory: Killed process 4242 (python3) total-vm:1kB');
  });
});
