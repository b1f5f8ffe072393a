import type { KeyedLine, LineSyntax } from './lines.js';
import type { PromotionApply } from './schema.js';

/**
 * `KEY=value` lines as dotenv, docker's `--env-file` and `set -a; . file` read them: optional
 * `export `, blanks around `=`, a value bare, 'single-' or "double-quoted" (backslash escapes),
 * and for a bare value an inline comment after a blank and `#`. A quoted value spanning several
 * lines is not supported: its continuation lines are read as lines of their own.
 */
export const envSyntax: LineSyntax = {
  parse(content) {
    const match = /^(\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=[ \t]*)(.*)$/.exec(content);
    if (!match) return null;
    return { key: match[2]!, prefix: match[1]!, ...splitValue(match[3]!) };
  },
  line: (key, value) => `${key}=${value}`,
};

/** Split what follows `=` into the value as written and what trails it. */
function splitValue(rest: string): Pick<KeyedLine, 'value' | 'suffix'> {
  const quote = rest[0];
  if (quote === "'" || quote === '"') {
    for (let i = 1; i < rest.length; i++) {
      if (quote === '"' && rest[i] === '\\') i++;
      else if (rest[i] === quote) return { value: rest.slice(0, i + 1), suffix: rest.slice(i + 1) };
    }
    return { value: rest, suffix: '' };
  }
  const end = rest.search(/\s+#|\s+$/);
  return end < 0
    ? { value: rest, suffix: '' }
    : { value: rest.slice(0, end), suffix: rest.slice(end) };
}

/**
 * One flag per line: `--name=value`, `--name value` or a bare `--name`. Other lines (comments,
 * positional arguments) are left alone.
 */
export const flagsSyntax: LineSyntax = {
  parse(content) {
    const match = /^(\s*(--[A-Za-z0-9][A-Za-z0-9_.-]*))(?:=(.*?)|([ \t]+)(\S.*?))?(\s*)$/.exec(
      content,
    );
    if (!match) return null;
    const spaced = match[4] !== undefined;
    return {
      key: match[2]!,
      prefix: match[1]! + (spaced ? match[4]! : '='),
      value: (spaced ? match[5] : match[3]) ?? '',
      suffix: match[6]!,
    };
  },
  line: (key, value) => `${key}=${value}`,
};

export function syntaxFor(target: PromotionApply['target']): LineSyntax {
  return target === 'env' ? envSyntax : flagsSyntax;
}
