import { buildBundles } from '../scripts/build.mjs';

export default async function setup(): Promise<void> {
  await buildBundles({ quiet: true });
}
