import { describe, expect, it } from 'vitest';
import { quoteValue, setValues, valuesIn } from './lines.js';
import { envSyntax, flagsSyntax } from './syntaxes.js';

const set = (text: string, values: Record<string, string>, syntax = envSyntax) =>
  setValues(text, new Map(Object.entries(values)), syntax);

describe('env files', () => {
  it('updates a key in place and keeps everything else', () => {
    const text = '# vLLM\nexport GPU = 0.4  # tuned\nOTHER="a b"\n';
    expect(set(text, { GPU: '0.45' })).toBe('# vLLM\nexport GPU = 0.45  # tuned\nOTHER="a b"\n');
  });

  it('updates every line of a repeated key and reads the last one', () => {
    const text = 'K=1\nK=2\r\n';
    expect(valuesIn(text, envSyntax).get('K')).toBe('2');
    expect(set(text, { K: '3' })).toBe('K=3\nK=3\r\n');
  });

  it('replaces a quoted value whole, keeping what trails it', () => {
    expect(set("K='a # b' # note\n", { K: 'x' })).toBe('K=x # note\n');
    expect(set('K="a \\" b"\n', { K: 'x' })).toBe('K=x\n');
  });

  it('appends missing keys with the file’s own line break, ending the last line first', () => {
    expect(set('A=1\r\nB=2', { C: '3' })).toBe('A=1\r\nB=2\r\nC=3\r\n');
    expect(set('', { C: '3' })).toBe('C=3\n');
    expect(set('\uFEFFA=1\n', { A: '2' })).toBe('\uFEFFA=2\n');
  });

  it('leaves comments and lookalikes alone', () => {
    const text = '#K=1\nKX=1\n K2 =1\n';
    expect(set(text, { K: '2' })).toBe('#K=1\nKX=1\n K2 =1\nK=2\n');
  });
});

describe('flags files', () => {
  it('updates --name=value, --name value and a bare --name; appends the rest', () => {
    const text = '--gpu=0.4\n--model  whisper \n--eager\n--gpu-memory=1\n';
    const values = { '--gpu': '0.5', '--model': 'base', '--eager': 'true', '--new': 'x' };
    expect(setValues(text, new Map(Object.entries(values)), flagsSyntax)).toBe(
      '--gpu=0.5\n--model  base \n--eager=true\n--gpu-memory=1\n--new=x\n',
    );
    expect(valuesIn(text, flagsSyntax)).toEqual(
      new Map([
        ['--gpu', '0.4'],
        ['--model', 'whisper'],
        ['--eager', ''],
        ['--gpu-memory', '1'],
      ]),
    );
  });
});

describe('quoteValue', () => {
  it('leaves plain values bare and quotes the others so shells read them back', () => {
    expect(quoteValue('0.45')).toBe('0.45');
    expect(quoteValue('openai/whisper-base')).toBe('openai/whisper-base');
    expect(quoteValue('')).toBe('');
    expect(quoteValue('a b')).toBe("'a b'");
    expect(quoteValue("it's $HOME")).toBe('"it\'s \\$HOME"');
  });
});
