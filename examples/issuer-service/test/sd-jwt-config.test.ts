import { describe, expect, it } from 'vitest';
import { hashAdminKey } from '../src/auth.js';
import { DEFAULT_CREDENTIAL_CONFIGURATIONS, loadConfig } from '../src/config.js';

// The dc+sd-jwt credential configurations of the service's configuration: what is
// accepted, and each thing refused (INVALID_ARGUMENT naming the setting), before start.

const ENV = {
  TRADEWIND_SERVICE_BASE_URL: 'https://registry.gov.example',
  TRADEWIND_SECRET: 'sd-jwt-config-test-secret',
  TRADEWIND_ADMIN_KEY_HASHES: hashAdminKey('tw_test-key'),
};

function problem(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('no error');
}

const withConfigurations = (credentialConfigurations: Record<string, unknown>) =>
  loadConfig({ env: ENV, overrides: { oid4vci: { credentialConfigurations } } as never });

describe('dc+sd-jwt credential configurations', () => {
  it('offers the national ID in both formats by default', () => {
    const config = loadConfig({ env: ENV });
    expect(config.oid4vci.credentialConfigurations).toEqual(DEFAULT_CREDENTIAL_CONFIGURATIONS);
    expect(config.oid4vci.credentialConfigurations.NationalIdCredential?.format).toBe('jwt_vc_json');
    expect(config.oid4vci.credentialConfigurations.NationalIdCredential_sd_jwt).toMatchObject({
      format: 'dc+sd-jwt',
      type: 'NationalIdCredential',
    });
  });

  it('takes a configuration with every member, and one with only format and type', () => {
    const full = {
      format: 'dc+sd-jwt',
      type: 'PersonIdentificationData',
      vct: 'urn:eudi:pid:1',
      disclose: ['/given_name', '/address/locality'],
      holderBinding: 'kid',
      display: [{ name: 'PID', locale: 'en' }],
      claims: [{ path: ['address', 'locality'], mandatory: false, display: [{ name: 'Town' }] }, { path: ['nationalities', null] }],
      status: ['revocation'],
    };
    const config = withConfigurations({ pid: full, bare: { format: 'dc+sd-jwt', type: 'NationalIdCredential' } });
    expect(config.oid4vci.credentialConfigurations.pid).toEqual(full);
    expect(config.oid4vci.credentialConfigurations.bare).toEqual({ format: 'dc+sd-jwt', type: 'NationalIdCredential' });
  });

  it.each([
    ['an unknown format', { format: 'mso_mdoc', type: 'X' }, /format must be jwt_vc_json or dc\+sd-jwt/],
    ['no type', { format: 'dc+sd-jwt' }, /credentialConfigurations\.x\.type/],
    ['a type that is no type name', { format: 'dc+sd-jwt', type: 'National ID' }, /must be a credential type name/],
    ['an empty vct', { format: 'dc+sd-jwt', type: 'NationalIdCredential', vct: '' }, /credentialConfigurations\.x\.vct/],
    ['a bare name in disclose', { format: 'dc+sd-jwt', type: 'T', disclose: ['given_name'] }, /must be a JSON Pointer/],
    ['another holder binding', { format: 'dc+sd-jwt', type: 'T', holderBinding: 'x5c' }, /credentialConfigurations\.x\.holderBinding/],
    ['suspension without revocation', { format: 'dc+sd-jwt', type: 'T', status: ['suspension'] }, /one Token Status List entry/],
    ['a purpose twice', { format: 'dc+sd-jwt', type: 'T', status: ['revocation', 'revocation'] }, /lists a purpose twice/],
    ['an empty claim path', { format: 'dc+sd-jwt', type: 'T', claims: [{ path: [] }] }, /credentialConfigurations\.x\.claims\.0\.path/],
    ['a jwt_vc_json member', { format: 'dc+sd-jwt', type: 'T', types: ['VerifiableCredential', 'T'] }, /types/],
    ['a dc+sd-jwt member on jwt_vc_json', { format: 'jwt_vc_json', types: ['VerifiableCredential', 'T'], vct: 'T' }, /vct/],
  ])('refuses %s, naming the setting', (_what, configuration, pattern) => {
    const error = problem(() => withConfigurations({ x: configuration }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('oid4vci.credentialConfigurations');
    expect(error.message).toMatch(pattern);
  });
});
