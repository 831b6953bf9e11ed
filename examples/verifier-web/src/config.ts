import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TradewindError } from '@tradewind/core';
import type { CredentialNeed } from '@tradewind/openid4vp';
import { parsePolicy, type RecognitionPolicy } from '@tradewind/verifier';
import { DEFAULT_PROFILES, type RequestProfile } from './profiles.js';

/** How the page server is started (see {@link startVerifierWeb}). */
export interface VerifierWebOptions {
  /** Interface to listen on. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** Port. Default 8090; 0 picks a free one. */
  port?: number;
  /**
   * The URL wallets reach this server at (its `/openid4vp/response` is the response_uri).
   * Default `http://<host>:<port>`; anything but loopback must be `https:`.
   */
  publicUrl?: string;
  /** The recognition policy: a parsed policy, or a policy file (its recognitionLists are read relative to it). */
  policy: RecognitionPolicy | string;
  /** More signed recognition list files, besides those the policy file names. */
  recognitionLists?: string[];
  /** Status list credentials the verifier holds: status list URL → file. */
  statusLists?: Record<string, string>;
  /** What the counter may ask for, by profile id. Default {@link DEFAULT_PROFILES}. */
  profiles?: Record<string, RequestProfile>;
  /** Lifetime of a request, in seconds (30..3600). Default 300. */
  ttlSeconds?: number;
  /** The name wallets show for this verifier. */
  clientName?: string;
  /** The built page's folder. Default this package's `dist/page`. */
  pageDir?: string;
  /** The clock (tests). */
  now?: () => Date;
}

/** Files read and checked: what the server runs with. */
export interface ResolvedConfig {
  host: string;
  port: number;
  publicUrl?: string;
  policy: RecognitionPolicy;
  recognitionLists: string[];
  /** Status list URL → its text as read at start. */
  statusLists: Record<string, string>;
  /** Status list URL → its file (absolute), re-read when it changes. */
  statusListFiles: Record<string, string>;
  profiles: Record<string, RequestProfile>;
  ttlSeconds: number;
  clientName?: string;
  pageDir: string;
  now?: () => Date;
}

export const DEFAULT_PORT = 8090;
const PROFILE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Reads the policy, recognition list and status list files and checks every setting.
 * Throws `TradewindError` `INVALID_ARGUMENT` naming the file or setting at fault.
 *
 * @example
 * ```ts
 * const config = resolveConfig({ policy: 'counter-policy.json', statusLists: { 'https://registry.gov.tt/status/1': 'status-1.jwt' } });
 * ```
 */
export function resolveConfig(options: VerifierWebOptions): ResolvedConfig {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) bad(`port must be an integer 0..65535, got ${port}`, 'port');
  const ttlSeconds = options.ttlSeconds ?? 300;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 30 || ttlSeconds > 3600) bad('ttlSeconds must be an integer 30..3600', 'ttlSeconds');
  if (options.publicUrl !== undefined) checkPublicUrl(options.publicUrl);

  let policy: RecognitionPolicy;
  let policyDir = process.cwd();
  if (typeof options.policy === 'string') {
    policyDir = dirname(resolve(options.policy));
    policy = parseJsonFile(options.policy, 'policy', parsePolicy);
  } else {
    policy = wrap('policy', () => parsePolicy(options.policy));
  }
  const listFiles = [...(policy.recognitionLists ?? []).map((f) => resolve(policyDir, f)), ...(options.recognitionLists ?? [])];
  const recognitionLists = listFiles.map((file) => readText(file, 'recognition list').trim());

  const statusLists: Record<string, string> = Object.create(null);
  const statusListFiles: Record<string, string> = Object.create(null);
  for (const [url, file] of Object.entries(options.statusLists ?? {})) {
    if (!/^https?:\/\/\S+$/.test(url)) bad(`status list URL must be an http(s) URL, got "${url}"`, 'statusLists');
    statusLists[url] = readText(file, 'status list').trim();
    if (statusLists[url] === '') bad(`status list file ${file} is empty`, file);
    statusListFiles[url] = resolve(file);
  }

  const profiles = options.profiles ?? DEFAULT_PROFILES;
  if (Object.keys(profiles).length === 0) bad('at least one profile is needed', 'profiles');
  for (const [id, profile] of Object.entries(profiles)) checkProfile(id, profile);

  return {
    host,
    port,
    ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl.replace(/\/+$/, '') }),
    policy,
    recognitionLists,
    statusLists,
    statusListFiles,
    profiles,
    ttlSeconds,
    ...(options.clientName === undefined ? {} : { clientName: options.clientName }),
    pageDir: options.pageDir ?? new URL('../dist/page', import.meta.url).pathname,
    ...(options.now === undefined ? {} : { now: options.now }),
  };
}

/** Wallets post to `<publicUrl>/openid4vp/response`: https, or http on loopback only. */
function checkPublicUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    bad(`publicUrl is not a URL: "${value}"`, 'publicUrl');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    bad(`publicUrl must be https (http only on 127.0.0.1 or localhost), got "${value}"`, 'publicUrl');
  if (url.search !== '' || url.hash !== '') bad('publicUrl takes no query or fragment', 'publicUrl');
}

function checkProfile(id: string, profile: RequestProfile): void {
  if (!PROFILE_ID.test(id)) bad(`profile id must match ${PROFILE_ID}, got "${id}"`, 'profiles');
  if (typeof profile?.label !== 'string' || profile.label.length === 0) bad(`profile ${id} needs a label`, `profiles.${id}`);
  if (profile.dcql !== undefined) return; // PresentationVerifier checks it at every request
  if (!Array.isArray(profile.needs) || profile.needs.length === 0) bad(`profile ${id} needs at least one credential`, `profiles.${id}`);
  for (const need of profile.needs as CredentialNeed[]) {
    if (typeof need?.id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(need.id)) bad(`profile ${id}: bad need id`, `profiles.${id}`);
  }
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    bad(`cannot read ${what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file);
  }
}

function parseJsonFile<T>(file: string, what: string, parse: (value: unknown) => T): T {
  const text = readText(file, what);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    bad(`${what} file ${file} is not JSON: ${(e as Error).message}`, file);
  }
  return wrap(`${what} file ${file}`, () => parse(value));
}

function wrap<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof TradewindError) bad(`${what}: ${e.message}`, e.path ?? what);
    throw e;
  }
}

function bad(message: string, path: string): never {
  throw new TradewindError('INVALID_ARGUMENT', message, { path });
}
