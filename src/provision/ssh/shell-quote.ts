// SSH carries a command as one string that the login shell on the machine parses again, so
// every path or value put into a remote command goes through here.

/** One word for a POSIX shell: left bare when it is plainly safe, single-quoted otherwise. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * `command` as root: unchanged for root, through `sudo -n` otherwise. `-n` because nobody is
 * there to type a password: sudo fails at once ("a password is required") instead of hanging.
 */
export function asRootCommand(command: string, user: string): string {
  return user === 'root' ? command : `sudo -n sh -c ${shellQuote(command)}`;
}
