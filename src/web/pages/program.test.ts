import { describe, expect, it } from 'vitest';
import { promptText } from './program.js';

describe('promptText', () => {
  it('shows a stored prompt as its parts, each under its role, its newlines as lines', () => {
    const stored = JSON.stringify({
      system: 'You improve programs.',
      messages: [
        { role: 'user', content: 'Parent:\ncode' },
        { role: 'assistant', content: 'a patch' },
      ],
    });
    expect(promptText(stored)).toBe(
      '── system ──\nYou improve programs.\n\n── user ──\nParent:\ncode\n\n── assistant ──\na patch',
    );
  });

  it('leaves anything else as it is: text, other JSON, none', () => {
    expect(promptText('not JSON {')).toBe('not JSON {');
    expect(promptText('{"messages": 3}')).toBe('{"messages": 3}');
    expect(promptText('['.repeat(100_000))).toBe('['.repeat(100_000));
    expect(promptText(null)).toBeNull();
  });
});
