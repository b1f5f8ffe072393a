import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPromotion, writePromotionFile } from '../experiments/promotion/index.js';
import { applyCommand, defaultStateDir, rollbackCommand } from './experiment-promotion.js';

const root = mkdtempSync(join(tmpdir(), 'evoplace-promotion-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let stdout: string;
let stderr: string;
beforeEach(() => {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** A promotion of two flags into `<dir>/vllm.flags`, which holds `--port=8000`. */
function promotionIn(dir: string, size = 'base'): { file: string; flags: string; id: string } {
  const flags = join(dir, 'vllm.flags');
  writeFileSync(flags, '--port=8000\n');
  const promotion = createPromotion({
    experiment: 'gpu-colocation',
    params: { gpu: 0.5, size },
    metrics: {},
    fitness: 0.7,
    apply: {
      target: 'flags',
      file: 'vllm.flags',
      map: { gpu: '--gpu-memory-utilization', size: '--whisper' },
    },
    guardrails: { gpu: { max: 0.6 } },
  });
  const file = join(dir, 'promotion.json');
  writePromotionFile(file, promotion);
  return { file, flags, id: promotion.id };
}

describe('experiment apply / rollback', () => {
  it('applies and rolls back, telling the user what changed', () => {
    const dir = mkdtempSync(join(root, 'human-'));
    const { file, flags, id } = promotionIn(dir);
    const stateDir = join(dir, 'state');
    expect(applyCommand([file, '--state-dir', stateDir])).toBe(0);
    expect(readFileSync(flags, 'utf8')).toBe(
      '--port=8000\n--gpu-memory-utilization=0.5\n--whisper=base\n',
    );
    expect(stderr).toContain(`applied ${id} to ${flags}`);
    expect(stderr).toContain('--gpu-memory-utilization: (unset) -> 0.5');
    expect(stderr).toContain(`evoplace experiment rollback ${id}`);
    expect(stdout).toBe('');

    expect(rollbackCommand([id, '--state-dir', stateDir])).toBe(0);
    expect(readFileSync(flags, 'utf8')).toBe('--port=8000\n');
    expect(stderr).toContain(`rolled back ${id}: restored ${flags}`);
  });

  it('shows a long value cut, and writes it whole', () => {
    const dir = mkdtempSync(join(root, 'long-'));
    const long = 'x'.repeat(100_000);
    const { file, flags } = promotionIn(dir, long);
    expect(applyCommand([file, '--state-dir', join(dir, 'state')])).toBe(0);
    expect(readFileSync(flags, 'utf8')).toContain(`--whisper=${long}\n`);
    expect(stderr).toContain(`--whisper: (unset) -> ${'x'.repeat(200)}… (100000 characters)`);
    expect(stderr.length).toBeLessThan(2000);
  });

  it('prints JSON with --json and uses $EVOPLACE_STATE_DIR by default', () => {
    const dir = mkdtempSync(join(root, 'json-'));
    const { file, id } = promotionIn(dir);
    vi.stubEnv('EVOPLACE_STATE_DIR', join(dir, 'from-env'));
    expect(defaultStateDir()).toBe(join(dir, 'from-env'));
    expect(applyCommand([file, '--json'])).toBe(0);
    const applied = JSON.parse(stdout) as Record<string, unknown>;
    expect(applied).toMatchObject({ id, target: 'flags', existed: true, rolledBack: null });
    expect(applied).not.toHaveProperty('previousBytes');
    stdout = '';
    expect(rollbackCommand([id, '--json', '--force'])).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ id, rolledBack: { forced: false, restored: true } });
  });

  it('refuses a second apply and bad arguments as user errors', () => {
    const dir = mkdtempSync(join(root, 'errors-'));
    const { file } = promotionIn(dir);
    const stateDir = join(dir, 'state');
    applyCommand([file, '--state-dir', stateDir]);
    expect(() => applyCommand([file, '--state-dir', stateDir])).toThrow(/already applied/);
    expect(() => applyCommand([])).toThrow(/usage: evoplace experiment apply FILE/);
    expect(() => rollbackCommand(['x', '--nope'])).toThrow(/--nope/);
    stdout = '';
    expect(applyCommand(['--help'])).toBe(0);
    expect(stdout).toContain('evoplace experiment apply FILE');
  });
});
