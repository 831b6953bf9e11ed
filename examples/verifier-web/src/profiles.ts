import type { CredentialNeed, dcqlQueryOf } from '@tradewind/openid4vp';

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
  'national-id': { label: 'National ID: name, date of birth, nationality', needs: [NATIONAL_ID] },
  'age-over-18': {
    label: 'Age check: over 18 (SD-JWT VC only)',
    needs: [{ id: 'age', vct: ['NationalIdCredential'], claims: ['age_over_18'], formats: ['dc+sd-jwt'] }],
  },
};
