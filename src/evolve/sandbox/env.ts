/** Variables passed through from our own environment; nothing else of it reaches a child. */
export const INHERITED_VARIABLES = ['PATH', 'LANG', 'LC_ALL', 'TZ'] as const;

/**
 * The complete environment of a sandboxed child: the allow-listed variables we have, the
 * spec's extras (`{dir}` replaced), and HOME = TMPDIR = the temp directory, which win over both.
 * API keys and everything else in `parent` stay out.
 */
export function sandboxEnv(
  dir: string,
  extra: Record<string, string> = {},
  parent: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) env[name] = value.replaceAll('{dir}', dir);
  env.HOME = dir;
  env.TMPDIR = dir;
  return env;
}
