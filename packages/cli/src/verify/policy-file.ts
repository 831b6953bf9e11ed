import { isJsonObject } from '@tradewind/core';
import type { VerifyOptions } from '@tradewind/verifier';
import type { Io } from '../io.js';
import { readTextInput } from '../read-input.js';
import { UsageError } from '../usage-error.js';

/** What a policy file contributes to the verifier's options. */
export type PolicyOptions = Pick<VerifyOptions, 'trustedIssuers'>;

/** Top-level keys a policy file may have; anything else is refused rather than ignored. */
const POLICY_KEYS = ['trustedIssuers'] as const;

/**
 * Reads a recognition policy file. Today's schema:
 * `{ "trustedIssuers": ["did:…", …] }` (optional; when present, only these issuers are
 * accepted). Unknown keys are usage errors: a misspelt rule that was silently ignored
 * would make the verifier accept more than its operator meant.
 *
 * @example
 * ```ts
 * const policy = await loadPolicyFile('policy.json', io); // { trustedIssuers: ['did:key:z6Mk…'] }
 * ```
 */
export async function loadPolicyFile(path: string, io: Io): Promise<PolicyOptions> {
  return parsePolicy(await readTextInput(path, io, 'policy file'), path);
}

/** Parses and checks the text of a policy file; `source` names it in error messages. */
export function parsePolicy(text: string, source: string): PolicyOptions {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`policy file ${source} is not JSON: ${(e as Error).message}`);
  }
  if (!isJsonObject(value)) throw new UsageError(`policy file ${source} must be a JSON object`);
  const unknown = Object.keys(value).filter((k) => !(POLICY_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new UsageError(
      `policy file ${source} has unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${POLICY_KEYS.join(', ')})`,
    );
  }
  const policy: PolicyOptions = {};
  if (value.trustedIssuers !== undefined) {
    const issuers = value.trustedIssuers;
    if (!Array.isArray(issuers)) throw new UsageError(`policy file ${source}: trustedIssuers must be an array of DIDs`);
    issuers.forEach((did, i) => {
      if (typeof did !== 'string' || !/^did:[a-z0-9]+:\S+$/.test(did)) {
        throw new UsageError(`policy file ${source}: trustedIssuers[${i}] is not a DID: ${JSON.stringify(did)}`);
      }
    });
    policy.trustedIssuers = issuers as string[];
  }
  return policy;
}
