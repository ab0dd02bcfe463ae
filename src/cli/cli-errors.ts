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

/**
 * A command that ran but did not wholly succeed (some orgs of a batch failed): it has printed
 * what it did, and exits with EXIT_REFUSED after this message.
 */
export class CommandFailed extends Error {
  override readonly name = 'CommandFailed';
}
