import { type CredentialNeed, dcqlQueryOf } from '@tradewind/openid4vp';

/** A DCQL query as `PresentationVerifier.createRequest` takes it. */
export type DcqlQueryInput = ReturnType<typeof dcqlQueryOf>;

/** A request the counter can make: a name the page shows and what it asks for. */
export interface RequestProfile {
  /** Shown in the page's profile choice. */
  label: string;
  /** What the wallet must present (one DCQL credential query per need and format)… */
  needs?: CredentialNeed[];
  /** …or a DCQL query as it is (used when given). */
  dcql?: DcqlQueryInput;
}

/**
 * VCDM 2.0's undefined-terms context (`https://www.w3.org/ns/credentials/undefined-terms/v2`)
 * gives a type no other context defines this IRI; a Data Integrity credential naming it has
 * `<base><type>` among its expanded types (OpenID4VP 1.0 §B.1.1), not the bare name.
 */
export const UNDEFINED_TERM_BASE = 'https://www.w3.org/ns/credentials/undefined-term#';

/**
 * The DCQL query of some needs, where each `ldp_vc` query also accepts its types as the
 * undefined-terms context expands them (a second `type_values` alternative): a registry's
 * Data Integrity credential of type `NationalIdCredential` under that context matches.
 */
export function withUndefinedTermTypes(needs: CredentialNeed[]): DcqlQueryInput {
  const query = dcqlQueryOf(needs);
  for (const credential of query.credentials as Array<{ format: string; meta?: { type_values?: string[][] } }>) {
    const alternatives = credential.meta?.type_values;
    if (credential.format !== 'ldp_vc' || !alternatives) continue;
    const expanded = alternatives.map((types) => types.map((t) => (/^[A-Za-z][A-Za-z0-9_-]*$/.test(t) ? UNDEFINED_TERM_BASE + t : t)));
    credential.meta!.type_values = [...alternatives, ...expanded.filter((e, i) => e.join() !== alternatives[i]!.join())];
  }
  return query;
}

const NATIONAL_ID: CredentialNeed = {
  id: 'national_id',
  types: ['NationalIdCredential'],
  vct: ['NationalIdCredential'],
  claims: ['given_name', 'family_name', 'birthdate', 'nationality'],
};

/**
 * What a counter asks for unless its configuration says otherwise: a national ID with the
 * holder's name, date of birth and nationality (as an SD-JWT VC, a VCDM 1.1 or 2.0 JWT or a
 * Data Integrity credential), or only the SD-JWT VC's `age_over_18`.
 */
export const DEFAULT_PROFILES: Readonly<Record<string, RequestProfile>> = {
  'national-id': { label: 'National ID: name, date of birth, nationality', dcql: withUndefinedTermTypes([NATIONAL_ID]) },
  'age-over-18': {
    label: 'Age check: over 18 (SD-JWT VC only)',
    needs: [{ id: 'age', vct: ['NationalIdCredential'], claims: ['age_over_18'], formats: ['dc+sd-jwt'] }],
  },
};
