// The `:` command line: a resource list (`:pods kube-system`), `:ns NAME`, `:overview`, `:q`,
// with tab completion over the words it knows.
import { resolveResourceName } from '../../api/resources.js';
import { listScreen, overviewScreen } from '../navigation.js';
import { type Intents, jump, type PromptRequest, refuse, setNamespace } from './intents.js';

/** What `:` understands besides resource names, listed by tab completion. */
const commandWords = [
  'pods',
  'deploy',
  'rs',
  'sts',
  'ds',
  'jobs',
  'cronjobs',
  'nodes',
  'svc',
  'ep',
  'ing',
  'events',
  'ns',
  'cm',
  'secrets',
  'leases',
  'hpa',
  'overview',
  'quit',
];

/** `all` means every namespace, as in `-A`. */
const namespaceArg = (arg: string) => setNamespace(arg === 'all' ? undefined : arg);

export function runCommand(text: string): Intents {
  const [word = '', arg] = text.trim().split(/\s+/);
  if (!word) return [];
  if (['q', 'q!', 'quit', 'exit'].includes(word)) return { do: 'quit' };
  if (['o', 'overview', 'home'].includes(word)) return jump(overviewScreen);
  if (['ns', 'namespace', 'namespaces'].includes(word) && arg) return namespaceArg(arg);
  const resource = resolveResourceName(word);
  if (!resource) return refuse(`unknown resource "${word}": try ${commandWords.slice(0, 10).join(', ')}`);
  return [...(arg ? [namespaceArg(arg)] : []), jump(listScreen(resource))];
}

export const commandPrompt: PromptRequest = {
  label: ':',
  onSubmit: runCommand,
  suggest: (v) => commandWords.filter((w) => w.startsWith(v.trim()) && w !== v.trim()),
};
