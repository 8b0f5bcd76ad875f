// What `vagrant ssh-config` prints, read into SSH endpoints: one `Host <machine>` block per
// machine with HostName, Port, User and IdentityFile lines (OpenSSH's ssh_config syntax). How
// Vagrant reaches a machine depends on its provider (VirtualBox: a port on 127.0.0.1 forwarded
// to the machine's NAT adapter; libvirt: the machine's address on its management network), and
// this output is the one place Vagrant says which, so kubelab reads it rather than guessing.
//
// Vagrant writes IdentityFile in double quotes when the path has a space, and once per key it
// would offer (the machine's own key, and the shared insecure key while that is still allowed),
// so a host keeps every IdentityFile in order. Keywords are case-insensitive and may be joined
// to their value by `=`, as ssh_config allows. Anything else ssh_config says (StrictHostKeyChecking,
// IdentitiesOnly...) is kept but not used: kubelab pins host keys itself (ssh/known-hosts.ts).

export interface VagrantSshHost {
  /** The machine name (`Host` line). */
  name: string;
  /** 1-based line of its `Host` line. */
  line: number;
  hostName: string;
  port: number;
  user: string;
  /** In the order Vagrant lists them (ssh tries them in that order). */
  identityFiles: string[];
  /** Every other keyword, lower-cased, with its last value. */
  options: Record<string, string>;
}

export class VagrantSshConfigError extends Error {
  override readonly name = 'VagrantSshConfigError';
  constructor(
    readonly source: string,
    readonly line: number,
    problem: string,
  ) {
    super(`${source}:${line}: ${problem}`);
  }
}

/**
 * Splits a line into words: blanks separate them, double (or single) quotes keep a path with
 * spaces together, `\"` inside double quotes is a quote. Backslashes are otherwise literal:
 * Vagrant writes paths as they are, without escaping them.
 */
function splitWords(text: string): string[] | { unterminated: string } {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    let word = '';
    while (i < text.length && !/\s/.test(text[i]!)) {
      const c = text[i]!;
      if (c === '"' || c === "'") {
        const close = findClosingQuote(text, i + 1, c);
        if (close < 0) return { unterminated: c };
        const inner = text.slice(i + 1, close);
        word += c === '"' ? inner.replaceAll('\\"', '"') : inner;
        i = close + 1;
      } else {
        word += c;
        i++;
      }
    }
    words.push(word);
  }
  return words;
}

function findClosingQuote(text: string, from: number, quote: string): number {
  for (let i = from; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\' && text[i + 1] === '"') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

interface OpenHost {
  name: string;
  line: number;
  values: Map<string, { value: string; line: number }>;
  identityFiles: string[];
  options: Record<string, string>;
}

/** Parses `vagrant ssh-config` output; every problem names `source:line`. */
export function parseVagrantSshConfig(text: string, source = 'vagrant ssh-config'): VagrantSshHost[] {
  const hosts: VagrantSshHost[] = [];
  let open: OpenHost | undefined;
  function fail(line: number, problem: string): never {
    throw new VagrantSshConfigError(source, line, problem);
  }

  const close = (host: OpenHost) => {
    const required = (keyword: string, label: string): { value: string; line: number } =>
      host.values.get(keyword) ??
      fail(host.line, `Host ${host.name} has no ${label} line: cannot tell how to reach it over SSH`);
    const hostName = required('hostname', 'HostName').value;
    const user = required('user', 'User').value;
    const port = Number(required('port', 'Port').value);
    if (host.identityFiles.length === 0)
      fail(host.line, `Host ${host.name} has no IdentityFile line: there is no key to log in with`);
    hosts.push({
      name: host.name,
      line: host.line,
      hostName,
      port,
      user,
      identityFiles: host.identityFiles,
      options: host.options,
    });
  };

  for (const [index, raw] of text.split('\n').entries()) {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    // `Keyword value`, `Keyword=value` or `Keyword = value`.
    const match = /^([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+)(.*)$/.exec(trimmed);
    if (!match) fail(line, `expected "Keyword value", got ${JSON.stringify(trimmed)}`);
    const keyword = match[1]!.toLowerCase();
    const words = splitWords(match[2]!);
    if (!Array.isArray(words)) fail(line, `unterminated ${words.unterminated} quote`);
    if (words.length === 0) fail(line, `${match[1]} has no value`);

    if (keyword === 'host') {
      if (open) close(open);
      if (words.length !== 1 || /[*?!]/.test(words[0]!))
        fail(line, `expected one machine name after Host, got ${JSON.stringify(match[2])}`);
      const twice = hosts.find((h) => h.name === words[0]);
      if (twice) fail(line, `a second Host ${twice.name} (the first is on line ${twice.line})`);
      open = { name: words[0]!, line, values: new Map(), identityFiles: [], options: {} };
      continue;
    }
    if (keyword === 'match')
      fail(line, 'Match blocks are not something vagrant ssh-config writes; expected Host blocks');
    if (!open) fail(line, `${match[1]} before any Host line`);
    if (keyword === 'identityfile') {
      open.identityFiles.push(words.join(' '));
      continue;
    }
    const value = words.join(' ');
    if (keyword === 'hostname' || keyword === 'user' || keyword === 'port') {
      // ssh_config keeps the first value given; a second one means the output is not what we think.
      const earlier = open.values.get(keyword);
      if (earlier)
        fail(line, `a second ${match[1]} for Host ${open.name} (the first is on line ${earlier.line})`);
      if (keyword === 'port' && !(/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535))
        fail(line, `Port ${JSON.stringify(value)} is not a port number (1-65535)`);
      open.values.set(keyword, { value, line });
      continue;
    }
    open.options[keyword] = value;
  }
  if (open) close(open);
  return hosts;
}
