import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: plain JavaScript modules of this package, without types
import { buildPage } from '../../scripts/build-page.mjs';
// @ts-expect-error: plain JavaScript modules of this package, without types
import { prepareCounterWorld } from '../../scripts/counter-world.mjs';
import type { VerifierWebOptions } from '../../src/config.js';
import { type RunningVerifierWeb, startVerifierWeb } from '../../src/server.js';

/** The world of scripts/counter-world.mjs, as the tests use it. */
export interface CounterWorld {
  dir: string;
  anchor: string;
  tt: string;
  holder: string;
  list: string;
  // biome-ignore lint/suspicious/noExplicitAny: the issuer and wallet objects of the JavaScript module
  registry: any;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  wallet: any;
  files: { policy: string; recognitionList: string; statusLists: Record<string, string> };
  issued: { sdJwt: { id: string; jwt: string }; vcJwt: { id: string; jwt: string } };
  received: { sdJwt: string; vcJwt: string };
  republish(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** A temporary folder with the page built from the workspace sources and the counter's world. */
export async function setUpCounter(): Promise<{ root: string; pageDir: string; world: CounterWorld; cleanUp(): Promise<void> }> {
  const root = mkdtempSync(join(tmpdir(), 'tradewind-verifier-web-'));
  const pageDir = join(root, 'page');
  await buildPage({ outDir: pageDir, sources: true, check: false, quiet: true });
  const world = (await prepareCounterWorld(join(root, 'world'))) as CounterWorld;
  return {
    root,
    pageDir,
    world,
    cleanUp: async () => {
      await world.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Starts the page server on 127.0.0.1 (a free port) over the world's policy and status lists. */
export function startCounter(pageDir: string, world: CounterWorld, more: Partial<VerifierWebOptions> = {}): Promise<RunningVerifierWeb> {
  return startVerifierWeb({ port: 0, pageDir, policy: world.files.policy, statusLists: world.files.statusLists, ...more });
}
