import { describe, expect, it } from 'vitest';
import { parseSearchReplace } from './search-replace.js';

describe('parseSearchReplace', () => {
  it('reads several edits between prose and fences, keeping indentation and blank lines', () => {
    const reply = [
      'I will sort by pressure first.',
      '```python',
      '<<<<<<< SEARCH',
      '    order = sorted(models)',
      '',
      '    for m in order:',
      '=======',
      '    order = sorted(models, key=pressure)',
      '    for m in order:',
      '>>>>>>> REPLACE',
      '```',
      'And then:',
      '```',
      '<<<<<<< SEARCH',
      '=======',
      'def helper():',
      '    pass',
      '>>>>>>> REPLACE',
      '```',
    ].join('\n');
    expect(parseSearchReplace(reply)).toEqual([
      {
        search: '    order = sorted(models)\n\n    for m in order:',
        replace: '    order = sorted(models, key=pressure)\n    for m in order:',
      },
      { search: '', replace: 'def helper():\n    pass' },
    ]);
  });

  it('tolerates CRLF, miscounted markers and an empty REPLACE', () => {
    const reply = ['<<<<<< SEARCH', 'a = 1', '========', '>>>>>>>> REPLACE'].join('\r\n');
    expect(parseSearchReplace(reply)).toEqual([{ search: 'a = 1', replace: '' }]);
  });

  it('drops an unfinished edit and finds none in plain prose', () => {
    const reply = [
      '<<<<<<< SEARCH',
      'a',
      '=======',
      'b',
      '>>>>>>> REPLACE',
      '<<<<<<< SEARCH',
      'c',
      '=======',
    ].join('\n');
    expect(parseSearchReplace(reply)).toEqual([{ search: 'a', replace: 'b' }]);
    expect(parseSearchReplace('No changes needed.')).toEqual([]);
  });
});
