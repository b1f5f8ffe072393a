import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { listAcknowledgements, readAcknowledgement } from './acks.js';
import { applyPromotion } from './apply.js';
import { createPromotion, writePromotionFile } from './create.js';
import { valuesIn } from './lines.js';
import { rollbackPromotion } from './rollback.js';
import type { Promotion } from './schema.js';
import { signatureOf } from './signature.js';
import { syntaxFor } from './syntaxes.js';

const root = mkdtempSync(join(tmpdir(), 'evoplace-promotion-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

const NOW = new Date('2025-06-01T00:00:00.000Z');
const MAPS = {
  env: { gpu: 'VLLM_GPU_MEMORY_UTILIZATION', whisper: 'WHISPER_MODEL' },
  flags: { gpu: '--gpu-memory-utilization', whisper: '--whisper-model' },
};
type Target = keyof typeof MAPS;

interface Setup {
  stateDir: string;
  file: string;
  promotionFile: string;
  promotion: Promotion;
}

/** A fresh directory with the settings file (absent when `content` is null) and a promotion. */
function setup(target: Target, content: string | Uint8Array | null, whisper = 'small q'): Setup {
  const dir = join(root, `case-${counter++}`);
  mkdirSync(dir);
  const file = join(dir, `service.${target}`);
  if (content !== null) writeFileSync(file, content);
  const promotion = createPromotion({
    experiment: 'gpu-colocation',
    params: { gpu: 0.45, whisper, unmapped: true },
    metrics: { latencyMs: 120 },
    fitness: 0.8,
    apply: { target, file: `service.${target}`, map: MAPS[target] },
    guardrails: { gpu: { min: 0.4, max: 0.6 }, whisper: {} },
    now: NOW,
  });
  const promotionFile = join(dir, 'promotion.json');
  writePromotionFile(promotionFile, promotion);
  return { stateDir: join(dir, 'state'), file, promotionFile, promotion };
}

const apply = (s: Setup, now = NOW) =>
  applyPromotion(s.promotionFile, { stateDir: s.stateDir, now });
const rollback = (s: Setup, force = false) =>
  rollbackPromotion(s.promotion.id, { stateDir: s.stateDir, force });
/** The one-line message (`file: field: what`) of the UserError that `run` throws. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof UserError) return error.format();
    throw error;
  }
  throw new Error('expected a refusal');
}
const bytes = (path: string) => (existsSync(path) ? readFileSync(path) : null);

/** Lines of a settings file: keyed ones (for both targets), comments, unicode, anything. */
const lineArb = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 16 }),
  fc.constantFrom('# réglages ✓ 日本語', '', '   ', '\uFEFF#bom', 'positional'),
  fc
    .tuple(
      fc.constantFrom('', 'export ', '  '),
      fc.constantFrom(...Object.values(MAPS.env), 'OTHER'),
      fc.constantFrom('=', ' = '),
      fc.constantFrom('0.4', "'a b'", '"x \\" y"', '', 'v  # note', 'ünï'),
    )
    .map((parts) => parts.join('')),
  fc
    .tuple(
      fc.constantFrom(...Object.values(MAPS.flags), '--other'),
      fc.constantFrom('', '=0.4', ' tiny', '=a b', '  '),
    )
    .map((parts) => parts.join('')),
);

/** A whole file: lines each ended by LF or CRLF, the last one with or without its break. */
const contentArb = fc.option(
  fc
    .tuple(fc.array(fc.tuple(lineArb, fc.boolean()), { maxLength: 12 }), fc.boolean())
    .map(([lines, trailing]) =>
      lines
        .map(([line, crlf], i) =>
          i < lines.length - 1 || trailing ? line + (crlf ? '\r\n' : '\n') : line,
        )
        .join(''),
    ),
  { nil: null },
);

describe('apply then rollback', () => {
  it('writes the values, keeps other lines, and rollback restores the file byte for byte', () => {
    fc.assert(
      fc.property(fc.constantFrom<Target>('env', 'flags'), contentArb, (target, content) => {
        const s = setup(target, content);
        const before = bytes(s.file);
        const ack = apply(s);
        const syntax = syntaxFor(target);
        const after = readFileSync(s.file, 'utf8');
        const values = valuesIn(after, syntax);
        for (const change of ack.changes) expect(values.get(change.key)).toBe(change.new);
        const keys = new Set(Object.values(MAPS[target]));
        const others = (text: string) => {
          const lines = text.split(/\r?\n/);
          if (lines[lines.length - 1] === '') lines.pop();
          return lines.filter((line) => !keys.has(syntax.parse(line)?.key ?? ''));
        };
        expect(others(after)).toEqual(others(content ?? ''));
        expect(ack.existed).toBe(content !== null);

        rollback(s);
        expect(bytes(s.file)).toEqual(before);
        expect(readAcknowledgement(s.stateDir, s.promotion.id)?.rolledBack).toMatchObject({
          forced: false,
        });
      }),
      { numRuns: 150 },
    );
  });

  it('records old and new values, quoting what needs it', () => {
    const s = setup('env', 'WHISPER_MODEL=tiny\n');
    const ack = apply(s);
    expect(ack.changes).toEqual([
      { param: 'gpu', key: 'VLLM_GPU_MEMORY_UTILIZATION', old: null, new: '0.45' },
      { param: 'whisper', key: 'WHISPER_MODEL', old: 'tiny', new: "'small q'" },
    ]);
    expect(readFileSync(s.file, 'utf8')).toBe(
      "WHISPER_MODEL='small q'\nVLLM_GPU_MEMORY_UTILIZATION=0.45\n",
    );
    expect(ack.file).toBe(s.file);
    expect(listAcknowledgements(s.stateDir)).toEqual([ack]);
  });

  it('keeps the file mode, and writes through a symbolic link', () => {
    const s = setup('env', 'SECRET=x\n');
    chmodSync(s.file, 0o600);
    const real = `${s.file}.real`;
    writeFileSync(real, readFileSync(s.file));
    chmodSync(real, 0o600);
    rmSync(s.file);
    symlinkSync(real, s.file);
    apply(s);
    expect(lstatSync(s.file).isSymbolicLink()).toBe(true);
    expect(statSync(real).mode & 0o777).toBe(0o600);
    expect(readFileSync(real, 'utf8')).toMatch(/VLLM_GPU_MEMORY_UTILIZATION=0.45/);
    rollback(s);
    expect(readFileSync(real, 'utf8')).toBe('SECRET=x\n');
    expect(statSync(real).mode & 0o777).toBe(0o600);
  });
});

describe('apply refuses', () => {
  it('a tampered promotion, whatever field was edited', () => {
    const s = setup('env', 'A=1\n');
    const original = JSON.parse(readFileSync(s.promotionFile, 'utf8')) as Record<string, unknown>;
    const leaves: string[][] = [];
    const walk = (value: unknown, path: string[]) => {
      if (value !== null && typeof value === 'object')
        for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
      else if (path[0] !== 'signature') leaves.push(path);
    };
    walk(original, []);
    fc.assert(
      fc.property(fc.constantFrom(...leaves), fc.boolean(), (path, addField) => {
        const edited = structuredClone(original);
        let parent = edited as Record<string, unknown>;
        for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
        const leaf = path[path.length - 1]!;
        const value = parent[leaf];
        if (addField) parent[`${leaf}2`] = value;
        else
          parent[leaf] =
            typeof value === 'number'
              ? value + 0.01
              : typeof value === 'boolean'
                ? !value
                : `${String(value)}0`;
        writeFileSync(s.promotionFile, JSON.stringify(edited));
        expect(() => apply(s)).toThrow(UserError);
        expect(readFileSync(s.file, 'utf8')).toBe('A=1\n');
        expect(listAcknowledgements(s.stateDir)).toEqual([]);
      }),
    );
  });

  it('an edit that keeps the schema, naming the signature', () => {
    const s = setup('env', null);
    const edited = { ...s.promotion, params: { ...s.promotion.params, gpu: 0.5 } };
    writeFileSync(s.promotionFile, JSON.stringify(edited));
    expect(refusal(() => apply(s))).toMatch(/promotion.json: signature: does not match/);
    expect(existsSync(s.file)).toBe(false);
  });

  it('a second apply of the same promotion, also after a rollback', () => {
    const s = setup('flags', '--x=1\n');
    apply(s);
    expect(() => apply(s)).toThrow(/already applied at 2025-06-01T00:00:00.000Z/);
    rollback(s);
    expect(() => apply(s)).toThrow(/already applied .* rolled back at/);
    expect(readFileSync(s.file, 'utf8')).toBe('--x=1\n');
  });

  it('an expired promotion', () => {
    const s = setup('env', null);
    const expiry = new Date(s.promotion.expiresAt);
    expect(refusal(() => apply(s, expiry))).toMatch(/expiresAt: expired at/);
    expect(existsSync(s.file)).toBe(false);
    apply(s, new Date(expiry.getTime() - 1));
    expect(existsSync(s.file)).toBe(true);
  });

  it('values outside the guardrails, even with a valid signature', () => {
    const s = setup('env', null);
    const edited = { ...s.promotion, params: { ...s.promotion.params, gpu: 0.9 } };
    writeFileSync(s.promotionFile, JSON.stringify({ ...edited, signature: signatureOf(edited) }));
    expect(refusal(() => apply(s))).toMatch(/params: gpu = 0.9 is above the guardrail maximum 0.6/);
    expect(existsSync(s.file)).toBe(false);
  });

  it('a malformed promotion, naming the file and field', () => {
    const s = setup('env', null);
    writeFileSync(s.promotionFile, JSON.stringify({ ...s.promotion, fitness: 'high' }));
    expect(refusal(() => apply(s))).toMatch(/promotion\.json: fitness: expected fitness/);
  });

  it("a target file outside the promotion file's folder, even with a valid signature", () => {
    const outside = mkdtempSync(join(root, 'outside-'));
    writeFileSync(join(outside, 'pwn.env'), 'A=1\n');
    const cases: [string, RegExp][] = [
      [join(outside, 'pwn.env'), /is an absolute path/],
      ['../pwn.env', /leads out of the folder/],
      ['sub/../../pwn.env', /leads out of the folder/],
      ['C:\\Users\\x\\pwn.env', /is an absolute path/],
      ['.', /names a folder, not a file/],
      [
        'link.env',
        /leads through a symbolic link to .*pwn\.env, outside the promotion file's folder/,
      ],
      ['linked/pwn.env', /leads through a symbolic link to .*pwn\.env, outside/],
    ];
    for (const [file, message] of cases) {
      const s = setup('env', null);
      const dir = join(s.promotionFile, '..');
      symlinkSync(join(outside, 'pwn.env'), join(dir, 'link.env'));
      symlinkSync(outside, join(dir, 'linked'));
      const edited = { ...s.promotion, apply: { ...s.promotion.apply, file } };
      writeFileSync(s.promotionFile, JSON.stringify({ ...edited, signature: signatureOf(edited) }));
      const why = refusal(() => apply(s));
      expect(why, file).toMatch(/promotion\.json: apply\.file: /);
      expect(why, file).toMatch(message);
      expect(why).toMatch(/give a path relative to the promotion file's folder/);
      expect(listAcknowledgements(s.stateDir)).toEqual([]);
    }
    expect(readFileSync(join(outside, 'pwn.env'), 'utf8')).toBe('A=1\n');
  });

  it("a target inside the promotion file's folder, also in a subfolder or through a link there", () => {
    const s = setup('env', null);
    const dir = join(s.promotionFile, '..');
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'conf', 'real.env'), 'A=1\n');
    symlinkSync('real.env', join(dir, 'conf', 'service.env'));
    const edited = { ...s.promotion, apply: { ...s.promotion.apply, file: './conf/service.env' } };
    writeFileSync(s.promotionFile, JSON.stringify({ ...edited, signature: signatureOf(edited) }));
    expect(apply(s).file).toBe(join(dir, 'conf', 'real.env'));
    expect(readFileSync(join(dir, 'conf', 'real.env'), 'utf8')).toMatch(/^A=1\nVLLM_GPU/);
  });

  it('a settings file that is not UTF-8', () => {
    const s = setup('env', Buffer.from([0x41, 0x3d, 0xff, 0x0a]));
    expect(() => apply(s)).toThrow(/not UTF-8/);
    expect(listAcknowledgements(s.stateDir)).toEqual([]);
  });
});

describe('rollback', () => {
  it('refuses after a foreign edit, saying what changed, and restores with force', () => {
    const s = setup('env', 'A=1\r\n');
    apply(s);
    writeFileSync(s.file, readFileSync(s.file, 'utf8').replace('0.45', '0.9'));
    expect(() => rollback(s)).toThrow(
      /VLLM_GPU_MEMORY_UTILIZATION is now 0.9 \(the promotion wrote 0.45\).*--force/,
    );
    writeFileSync(s.file, `${readFileSync(s.file, 'utf8').replace('0.9', '0.45')}# note\n`);
    expect(() => rollback(s)).toThrow(/lines other than the promoted keys were edited/);
    rmSync(s.file);
    expect(() => rollback(s)).toThrow(/the file was deleted/);
    rollback(s, true);
    expect(readFileSync(s.file, 'utf8')).toBe('A=1\r\n');
    expect(readAcknowledgement(s.stateDir, s.promotion.id)?.rolledBack).toMatchObject({
      forced: true,
      restored: true,
    });
  });

  it('refuses a second rollback', () => {
    const s = setup('env', null);
    apply(s);
    rollback(s);
    expect(existsSync(s.file)).toBe(false);
    expect(() => rollback(s)).toThrow(/already rolled back at/);
  });

  it('names the known ids for an unknown one, and never reads outside the state directory', () => {
    const s = setup('env', null);
    expect(() => rollbackPromotion('nope', { stateDir: s.stateDir })).toThrow(
      /none has been applied yet/,
    );
    apply(s);
    expect(() => rollbackPromotion('../../promotion', { stateDir: s.stateDir })).toThrow(
      new RegExp(`known: ${s.promotion.id}`),
    );
  });

  it('refuses an acknowledgement its promotion file does not vouch for, writing nothing', () => {
    const s = setup('env', 'A=1\n');
    apply(s);
    const victim = setup('env', 'KEEP=1\n', 'large');
    expect(victim.promotion.id).not.toBe(s.promotion.id);
    const path = join(s.stateDir, 'acks', `${s.promotion.id}.json`);
    const ack = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const forgeries: [Record<string, unknown>, RegExp][] = [
      // Another file, beside the promotion or elsewhere.
      [{ file: victim.file }, /does not match its promotion file/],
      [{ file: join(dirname(s.file), '..', basename(victim.file)) }, /does not match/],
      // Another folder's genuine promotion (valid signature, another id) and its file.
      [{ promotionFile: victim.promotionFile, file: victim.file }, /does not match/],
      // A promotion file that is not there.
      [
        { promotionFile: join(dirname(victim.file), 'p.json'), file: victim.file },
        /p\.json, is gone/,
      ],
    ];
    for (const [edit, message] of forgeries) {
      for (const existed of [true, false]) {
        writeFileSync(path, JSON.stringify({ ...ack, ...edit, existed }));
        const why = refusal(() => rollback(s, true));
        expect(why).toMatch(new RegExp(`^${path}: (file|promotionFile): `));
        expect(why).toMatch(message);
      }
    }
    expect(readFileSync(victim.file, 'utf8')).toBe('KEEP=1\n');
    writeFileSync(path, JSON.stringify(ack));
    rollback(s);
    expect(readFileSync(s.file, 'utf8')).toBe('A=1\n');
  });

  it('needs the promotion file it was applied from', () => {
    const s = setup('env', 'A=1\n');
    apply(s);
    const kept = readFileSync(s.promotionFile);
    rmSync(s.promotionFile);
    expect(refusal(() => rollback(s))).toMatch(
      /promotionFile: .*promotion\.json, is gone; .*put it back/,
    );
    writeFileSync(s.promotionFile, kept);
    rollback(s);
    expect(readFileSync(s.file, 'utf8')).toBe('A=1\n');
  });

  it('only marks the promotion when the apply stopped before writing the file', () => {
    const s = setup('flags', '--x=1\n');
    apply(s);
    writeFileSync(s.file, '--x=1\n');
    rollback(s);
    expect(readFileSync(s.file, 'utf8')).toBe('--x=1\n');
    expect(readAcknowledgement(s.stateDir, s.promotion.id)?.rolledBack).toMatchObject({
      forced: false,
      restored: false,
    });
  });
});
