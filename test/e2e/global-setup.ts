// The e2e project's global setup: the fixture server that lets e2e files run side by side
// (locks, the shared docker-provider cluster), its address given to every file, and at the
// end the shared cluster taken down with a check that nothing of it is left.
import type { TestProject } from 'vitest/node';
import { startE2eFixtureServer } from '../helpers/e2e-fixture-server.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startE2eFixtureServer();
  project.provide('e2eFixtures', server.url);
  return () => server.close();
}
