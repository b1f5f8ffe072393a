import { tail } from '../command.js';
import type { CommandRun } from './commands.js';

/** The measurement's log is cut to its last this many characters. */
const LOG_CHARS = 64 * 1024;

/** Lines of the measurement's log. */
export class Journal {
  private readonly lines: string[] = [];

  note(line: string): void {
    this.lines.push(line);
  }

  command(phase: string, command: string, run: CommandRun): void {
    this.note(
      `${phase}: $ ${command} -> ${run.killed ? 'killed' : (run.signal ?? `exit ${run.exitCode}`)} ` +
        `after ${(run.ms / 1000).toFixed(2)} s`,
    );
    for (const [name, text] of [
      ['stdout', run.stdout],
      ['stderr', run.stderr],
    ] as const)
      if (text.trim()) this.note(`  ${name}: ${tail(text)}`);
  }

  text(): string {
    return tail(this.lines.join('\n'), LOG_CHARS);
  }
}
