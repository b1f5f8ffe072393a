import { describe, expect, it } from 'vitest';
import { choiceFlag, intFlag, listFlag, numberFlag, parseCommand, parseFlags } from './args.js';

describe('flags', () => {
  it('reads a negative value after its flag, and leaves the range check to judge it', () => {
    const { values } = parseFlags('x', ['--seed', '-1', '--alpha', '-.5'], {
      seed: { type: 'string' },
      alpha: { type: 'string' },
    });
    expect(values).toMatchObject({ seed: '-1', alpha: '-.5' });
    expect(() => intFlag(values, 'seed', 0, 0, 10)).toThrow(
      /expected an integer from 0 to 10, got "-1"/,
    );
    expect(numberFlag(values, 'alpha', 0, -1, 1)).toBe(-0.5);
  });

  it('takes numbers written in decimal only', () => {
    for (const raw of ['0x1', '0b1', 'Infinity', '1_000', ' ', '1e'])
      expect(() => numberFlag({ a: raw }, 'a', 0, -1e9, 1e9), raw).toThrow(/expected a number/);
    for (const [raw, value] of [
      ['1e3', 1000],
      ['+2.5', 2.5],
      ['.5', 0.5],
      ['-3', -3],
    ] as const)
      expect(numberFlag({ a: raw }, 'a', 0, -1e9, 1e9)).toBe(value);
  });

  it('refuses a flag given twice with different values, and accepts a repeat of the same', () => {
    const options = { replicas: { type: 'string' }, json: { type: 'boolean' } } as const;
    expect(() =>
      parseFlags('eplb bench', ['--replicas', '288', '--replicas=300'], options),
    ).toThrow('--replicas is given twice ("288", then "300"); give it once');
    expect(
      parseFlags('eplb bench', ['--replicas', '288', '--replicas', '288'], options).values,
    ).toEqual({ replicas: '288' });
    expect(parseFlags('eplb bench', ['--json', '--json'], options).values).toEqual({ json: true });
    const many = { llm: { type: 'string', multiple: true } } as const;
    expect(parseFlags('evolve run', ['--llm', 'a', '--llm', 'b'], many).values).toEqual({
      llm: ['a', 'b'],
    });
  });

  it('says in our words that a flag needs a value, or that a switch takes none', () => {
    const options = { port: { type: 'string' }, json: { type: 'boolean' } } as const;
    expect(() => parseFlags('ui', ['--port'], options)).toThrow(
      '--port needs a value (--port VALUE); see "evoplace ui --help"',
    );
    expect(() => parseFlags('ui', ['--json=yes'], options)).toThrow(
      '--json is a switch and takes no value (write --json alone); see "evoplace ui --help"',
    );
  });

  it('names an unknown option with balanced quotes', () => {
    expect(() => parseFlags('prism solve', ['-x'], {})).toThrow(
      'unknown option -x (a value that starts with "-" goes after "--"); see "evoplace prism solve --help"',
    );
  });

  it('answers a long option like none of its own with the options the command takes', () => {
    const options = { family: { type: 'string' }, help: { type: 'boolean' } } as const;
    expect(() => parseFlags('prism generate', ['--json'], options)).toThrow(
      'unknown option --json (this command takes --family); see "evoplace prism generate --help"',
    );
  });

  it('quotes the usage of a command given arguments it does not take', () => {
    const usage = 'evoplace eplb bench --load FILE [options]';
    expect(() => parseCommand('eplb bench', ['trace.json'], {}, '', 0, usage)).toThrow(
      `unexpected argument "trace.json"; usage: ${usage}; see "evoplace eplb bench --help"`,
    );
    expect(() => parseCommand('prism solve', ['a', 'b'], {}, '', 1)).toThrow(
      'expected 1 argument(s), got 2;',
    );
  });

  it('names the choice a typo most likely meant', () => {
    const solvers = ['greedy', 'headroom', 'search'] as const;
    expect(() => choiceFlag({ solver: 'Headroom' }, 'solver', solvers, 'search')).toThrow(
      'expected one of greedy, headroom, search, got "Headroom"; did you mean "headroom"?',
    );
    expect(() => choiceFlag({ solver: 'milp' }, 'solver', solvers, 'search')).toThrow(
      /got "milp"$/,
    );
    expect(() =>
      listFlag({ algos: 'deepseek,balnced' }, 'algos', ['deepseek', 'balanced'], []),
    ).toThrow('got "deepseek,balnced"; did you mean "balanced"?');
  });

  it('names the option a typo most likely meant', () => {
    const options = { json: { type: 'boolean' }, 'max-moves': { type: 'string' } } as const;
    expect(() => parseFlags('eplb bench', ['--jsno'], options)).toThrow(
      'unknown option --jsno (did you mean --json?); see "evoplace eplb bench --help"',
    );
    expect(() => parseFlags('eplb bench', ['--max_moves', '3'], options)).toThrow(
      'did you mean --max-moves?',
    );
  });
});
