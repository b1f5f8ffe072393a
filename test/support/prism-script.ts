import type { MockChatRequest, MockReply } from './mock-llm-server.js';

/** The seed greedy's GPU choice, and the improvement the scripted LLM proposes for it. */
const BASELINE = [
  '      if (size <= gpuFree[g]! && gpuFree[g]! > 0) {',
  '        const ratio = gpuLoad[g]! / gpuFree[g]!;',
].join('\n');
const IMPROVED = [
  '      if (size < gpuFree[g]!) {',
  '        const ratio = (gpuLoad[g]! + load(i)) / (gpuFree[g]! - size);',
].join('\n');

/** The reply format a prompt asks for, from its `# Reply format (TYPE)` heading. */
export function patchTypeOf(request: MockChatRequest): 'diff' | 'full' | 'cross' {
  const match = /# Reply format \((diff|full|cross)\)/.exec(request.system);
  if (!match) throw new Error('prompt without a reply format');
  return match[1] as 'diff' | 'full' | 'cross';
}

/** The code of the program the prompt asks to improve. */
export function parentCode(request: MockChatRequest): string {
  const text = request.messages[0]!.content;
  const match = /## Program to improve[^\n]*\n(?:[^\n]*\n)*?```[a-z]+\n([\s\S]*?)```/.exec(text);
  if (!match) throw new Error('prompt without the program to improve');
  return match[1]!;
}

/**
 * A scripted LLM for the prism task: every reply is a valid patch of the requested type that
 * makes a new program (a numbered comment), and the first patch of the baseline switches the
 * GPU choice to the resulting pressure, which raises the seed metric from 21.89 to 22.34.
 */
export function prismScript(): (request: MockChatRequest) => MockReply {
  let variant = 0;
  return (request) => {
    variant++;
    const type = patchTypeOf(request);
    const parent = parentCode(request);
    if (type === 'diff') {
      const edit = parent.includes(BASELINE)
        ? `<<<<<<< SEARCH\n${BASELINE}\n=======\n${IMPROVED}\n>>>>>>> REPLACE`
        : `<<<<<<< SEARCH\n  return assignment;\n=======\n  // variant ${variant}\n  return assignment;\n>>>>>>> REPLACE`;
      return {
        text: `Choose the GPU by the pressure after placing.\n\n${edit}`,
        inputTokens: 1000,
        outputTokens: 200,
      };
    }
    const rewritten = parent
      .replace(BASELINE, IMPROVED)
      .replace('  return assignment;\n}', `  // variant ${variant}\n  return assignment;\n}`)
      .replace('PRISM placement', 'PRISM placement (this header edit is outside the blocks)');
    return {
      text: `Rewritten:\n\n\`\`\`typescript\n${rewritten}\`\`\`\n`,
      inputTokens: 2000,
      outputTokens: 900,
    };
  };
}
