import { UserError } from '../src/core/errors.js';

/** The one-line message of the UserError `fn` throws ('accepted' when it throws none). */
export function userErrorText(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserError) return error.format();
    throw error;
  }
  return 'accepted';
}
