/** Exit code for a mistake in what the user gave us (a file, a flag). */
export const USER_ERROR_EXIT_CODE = 2;
/** Exit code for a fault of our own. */
export const INTERNAL_ERROR_EXIT_CODE = 1;

/**
 * A mistake in user input: printed as one clear line (no stack trace), exit code 2.
 * `where` names the file (and location inside it), `field` the offending key path.
 */
export class UserError extends Error {
  readonly exitCode = USER_ERROR_EXIT_CODE;
  constructor(
    message: string,
    readonly where?: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }

  /** One line: `file: field: message`. */
  format(): string {
    return [this.where, this.field, this.message].filter((part) => part).join(': ');
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
