export function buildBundles(options?: { quiet?: boolean }): Promise<void>;
