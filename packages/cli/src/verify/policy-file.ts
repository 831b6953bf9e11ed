import { dirname, resolve } from 'node:path';
import { TradewindError } from '@tradewind/core';
import { parsePolicy, type VerifyOptions } from '@tradewind/verifier';
import type { Io } from '../io.js';
import { READ_LIMITS, ReadBudget, readTextInput } from '../read-input.js';
import { UsageError } from '../usage-error.js';

/** What a policy file contributes to the verifier's options. */
export type PolicyOptions = Pick<VerifyOptions, 'policy' | 'recognitionLists'>;

/**
 * Reads a recognition policy file (schema: packages/verifier/schemas/recognition-policy.schema.json)
 * and the signed recognition lists it names, relative to the policy file. The smallest
 * policy is `{ "trustedIssuers": ["did:…"] }`. Unknown keys are usage errors: a misspelt
 * rule that was silently ignored would make the verifier accept more than its operator meant.
 *
 * @example
 * ```ts
 * const { policy, recognitionLists } = await loadPolicyFile('barbados-bank.json', io);
 * ```
 */
export async function loadPolicyFile(path: string, io: Io): Promise<PolicyOptions> {
  const policy = parsePolicyText(await readTextInput(path, io, 'policy file', READ_LIMITS.policy), path);
  const options: PolicyOptions = { policy };
  if (policy.recognitionLists?.length) {
    const base = path === '-' ? process.cwd() : dirname(resolve(path));
    // One after the other, under one budget: a policy may name many files.
    const budget = new ReadBudget(`the recognition lists of policy ${path}`, READ_LIMITS.recognitionListsTotal);
    const lists: string[] = [];
    for (const file of policy.recognitionLists) {
      lists.push((await readTextInput(resolve(base, file), io, 'recognition list', READ_LIMITS.recognitionList, budget, true)).trim());
    }
    options.recognitionLists = lists;
  }
  return options;
}

/** Parses and checks the text of a policy file; `source` names it in error messages. */
export function parsePolicyText(text: string, source: string): NonNullable<VerifyOptions['policy']> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`policy file ${source} is not JSON: ${(e as Error).message}`);
  }
  try {
    return parsePolicy(value);
  } catch (e) {
    if (e instanceof TradewindError)
      throw new UsageError(`policy file ${source}: ${e.message}${e.path && e.path !== '/' ? ` (at ${e.path})` : ''}`);
    throw e;
  }
}
