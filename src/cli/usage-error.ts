// A mistake in how a command was called (exit code 2), as opposed to a failure while doing
// what was asked (exit code 1).
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
