// What JSON.parse does not say about a request body's text: how deeply it nests, and which
// keys an object repeats. JSON.parse itself is iterative and silently keeps the last of two
// equal keys; but the merge patches, structuredClone and JSON.stringify that run on the result
// recurse, so a body nested 10k levels deep would end in "Maximum call stack size exceeded"
// (a 500), and kube-apiserver reports a repeated key as `duplicate field "spec.paused"` under
// fieldValidation.
//
// A small scanner rather than a library: it runs only on text JSON.parse has accepted, so it
// needs no grammar beyond strings and brackets, never recurses, stops at the depth bound, and
// gives each duplicate Kubernetes' field path. (js-yaml, which we already ship, also reports
// duplicate keys, but it recurses on nesting and reads numbers by YAML's rules.)

/**
 * Deeper bodies are refused. Go's JSON decoder, which kube-apiserver uses, stops at 10000
 * ("exceeded max depth"); kubelab's patches and clones recurse on the JavaScript stack, so it
 * stops sooner, far above any real object (a Deployment's schema is about 15 levels deep).
 */
export const maxJsonDepth = 1000;

export type JsonTextScan = { tooDeep: true } | { tooDeep: false; duplicateFields: string[] };

interface Frame {
  object: boolean;
  /** Keys seen so far (objects). */
  keys: Set<string>;
  /** The key or index of the value being read, for the paths of duplicates below it. */
  at: string | number;
  /** Objects: the next string is a key (after `{` or `,`), not a value. */
  expectKey: boolean;
}

/** `spec.template.spec.containers[0].imagePullPolicy`, as Kubernetes prints field paths. */
function pathOf(frames: readonly Frame[], key: string): string {
  let path = '';
  const segment = (s: string | number) => {
    if (typeof s === 'number') path += `[${s}]`;
    else path += path === '' ? s : `.${s}`;
  };
  for (const f of frames.slice(0, -1)) segment(f.at);
  segment(key);
  return path;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Scans text that JSON.parse has already accepted. */
export function scanJsonText(text: string, maxDepth = maxJsonDepth): JsonTextScan {
  const frames: Frame[] = [];
  const duplicateFields: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text.charCodeAt(end) !== QUOTE) end += text.charCodeAt(end) === BACKSLASH ? 2 : 1;
      const top = frames.at(-1);
      if (top?.object && top.expectKey) {
        const raw = text.slice(i, end + 1);
        // Escaped keys (`"\u0061"` is "a") are compared by their value, as a decoder does.
        const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.keys.has(key)) duplicateFields.push(pathOf(frames, key));
        else top.keys.add(key);
        top.at = key;
        top.expectKey = false;
      }
      i = end;
    } else if (c === '{' || c === '[') {
      if (frames.length >= maxDepth) return { tooDeep: true };
      frames.push({ object: c === '{', keys: new Set(), at: 0, expectKey: c === '{' });
    } else if (c === '}' || c === ']') {
      frames.pop();
    } else if (c === ',') {
      const top = frames.at(-1);
      if (!top) continue;
      if (top.object) top.expectKey = true;
      else top.at = (top.at as number) + 1;
    }
  }
  return { tooDeep: false, duplicateFields };
}
