/** Exit codes and the errors that carry them. */

export const EXIT_OK = 0;
/** The server refused (insufficient credits, unknown org, …) or could not be reached. */
export const EXIT_REFUSED = 1;
/** The command line itself is wrong: unknown option, missing argument, malformed value. */
export const EXIT_USAGE = 2;

/** A mistake in the command line, found before anything was sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
