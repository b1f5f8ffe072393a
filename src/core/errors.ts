/** Exit code for a mistake in what the user gave us (a file, a flag). */
export const USER_ERROR_EXIT_CODE = 2;
/** Exit code for a fault of our own. */
export const INTERNAL_ERROR_EXIT_CODE = 1;
/**
 * Exit code for a run stopped because a service it depends on does not work (the LLM does not
 * answer, the evaluator fails every candidate): the input was valid, so exit 2 would send the
 * user to fix it, and nothing was measured, so a script must not read the run as a result.
 */
export const SERVICE_FAILED_EXIT_CODE = 4;

/**
 * A mistake in user input: printed as one clear line (no stack trace), exit code 2.
 * `where` names the file (and location inside it), `field` the offending key path.
 */
export class UserError extends Error {
  readonly exitCode: number = USER_ERROR_EXIT_CODE;
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

/** A service a run depends on does not work: printed as a user error is, exit code 4. */
export class ServiceError extends UserError {
  override readonly exitCode = SERVICE_FAILED_EXIT_CODE;
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
